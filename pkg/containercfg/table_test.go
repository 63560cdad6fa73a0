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

func TestPending(t *testing.T) {
	var tab Table[string]
	tab.SetSandbox("sandbox")
	calls := 0
	SetPending(func() {
		calls++
		tab.SetContainer("late", "late's")
	})
	defer SetPending(nil)
	if got := tab.For("late"); got != "late's" {
		t.Errorf("For(late) = %q, want the value that was pending", got)
	}
	if got := tab.For("late"); got != "late's" || calls != 1 {
		t.Errorf("second For(late) = %q after %d calls of the pending function, want late's after 1", got, calls)
	}
	if got := tab.For("other"); got != "sandbox" || calls != 2 {
		t.Errorf("For(other) = %q after %d calls, want sandbox after 2", got, calls)
	}
	if got := tab.For("other"); got != "sandbox" || calls != 2 {
		t.Errorf("second For(other) = %q after %d calls, want sandbox without another call", got, calls)
	}
	tab.SetContainer("other", "other's")
	if got := tab.For("other"); got != "other's" {
		t.Errorf("For(other) after SetContainer = %q, want other's", got)
	}
}
