package containercfg

import "testing"

func TestTable(t *testing.T) {
	var tab Table[string]
	if got := tab.For("a"); got != "" {
		t.Errorf("empty table: For = %q, want the zero value", got)
	}
	tab.SetSandbox("sandbox")
	tab.SetContainer("a", "a's")
	for cid, want := range map[string]string{"a": "a's", "b": "sandbox"} {
		if got := tab.For(cid); got != want {
			t.Errorf("For(%q) = %q, want %q", cid, got, want)
		}
	}
	tab.SetSandbox("new sandbox")
	if got := tab.For("a"); got != "a's" {
		t.Errorf("a container's own value changed with the sandbox's: %q", got)
	}
}
