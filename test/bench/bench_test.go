package main

import (
	"strings"
	"testing"
)

func TestParseResult(t *testing.T) {
	row := Row{Name: "r", Workload: "mprotect", Arg: 10, Iters: 50}
	out := "runsc noise\nmembench: workload=mprotect arg=10 iters=50 ns/op=1234.5 median=1300.0 mean=1400.0\n"
	ns, err := parseResult(out, row)
	if err != nil || ns != 1234.5 {
		t.Fatalf("parseResult = %v, %v; want 1234.5, nil", ns, err)
	}
	for _, bad := range []string{
		"",
		"membench: workload=mmap_touch arg=10 iters=50 ns/op=1\n",
		"membench: workload=mprotect arg=10 iters=49 ns/op=1\n",
		"membench: workload=mprotect arg=10 iters=50 ns/op=x\n",
	} {
		if _, err := parseResult(bad, row); err == nil {
			t.Errorf("parseResult(%q) succeeded, want error", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("odd median = %v, want 2", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("even median = %v, want 2.5", got)
	}
}

func TestNoise(t *testing.T) {
	m := measurement{Samples: [2][]float64{{100, 101, 99, 500, 100}, {200, 200, 200}}}
	if got := m.Noise(); got != 0.01 {
		t.Errorf("Noise = %v, want 0.01 (one outlier must not dominate)", got)
	}
}

func TestSummary(t *testing.T) {
	m := func(name string, arg int, stock, peios float64) measurement {
		return measurement{
			Row:     Row{Name: name, Workload: "mprotect", Arg: arg, Scale: vmaCount},
			Samples: [2][]float64{{stock}, {peios}},
		}
	}
	flat := summary([]measurement{m("a", 10, 100, 101), m("b", 10000, 100, 102)})
	if !strings.Contains(flat, "<= 1.05: yes") || !strings.Contains(flat, "grows with VMA count: no") {
		t.Errorf("flat summary = %q", flat)
	}
	growing := summary([]measurement{m("a", 10, 100, 100), m("b", 10000, 100, 130)})
	if !strings.Contains(growing, "NO (b 1.300)") || !strings.Contains(growing, "grows with VMA count: YES") {
		t.Errorf("growing summary = %q", growing)
	}
}

func TestArgsPeiosFlags(t *testing.T) {
	s := sandboxRunner{Membench: "/m", Platform: "systrap"}
	row := Row{Workload: "mmap_touch", Iters: 10, PeiosFlags: []string{"--peios-commit=strict"}}
	peios := strings.Join(s.args("/root", runtimeBin{Name: "peios"}, row), " ")
	stock := strings.Join(s.args("/root", runtimeBin{Name: "stock"}, row), " ")
	if !strings.HasPrefix(peios, "--peios-commit=strict --network=none") || strings.Contains(stock, "peios-commit") {
		t.Errorf("args: peios %q, stock %q; want the Peios flags for peios only", peios, stock)
	}
}
