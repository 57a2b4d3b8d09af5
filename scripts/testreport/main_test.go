package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// events renders go test -json lines: each of evs is action, package,
// test and output (optional).
func events(t *testing.T, evs ...[]string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range evs {
		ev := event{Action: e[0], Package: e[1], Test: e[2]}
		if len(e) > 3 {
			ev.Output = e[3]
		}
		line, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

const pkg = "example.com/m/p"

// passing is a package with one passing test, and skipped another test
// of it (TestSkip) that skips with "needs redis-server".
var passing, skipped = [][]string{
	{"start", pkg, ""},
	{"run", pkg, "TestOK"},
	{"output", pkg, "TestOK", "=== RUN   TestOK\n"},
	{"output", pkg, "TestOK", "--- PASS: TestOK (0.00s)\n"},
	{"pass", pkg, "TestOK"},
}, [][]string{
	{"run", pkg, "TestSkip"},
	{"output", pkg, "TestSkip", "=== RUN   TestSkip\n"},
	{"output", pkg, "TestSkip", "    p_test.go:9: needs redis-server\n"},
	{"output", pkg, "TestSkip", "--- SKIP: TestSkip (0.00s)\n"},
	{"skip", pkg, "TestSkip"},
}

var pkgPass = [][]string{
	{"output", pkg, "", "PASS\n"},
	{"output", pkg, "", "ok  \t" + pkg + "\t0.01s\n"},
	{"pass", pkg, ""},
}

func run(t *testing.T, in string, allowed map[string]string) (bool, string) {
	t.Helper()
	var out strings.Builder
	passed, err := report(strings.NewReader(in), &out, allowed)
	if err != nil {
		t.Fatal(err)
	}
	return passed, out.String()
}

func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
}

func TestReport(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		passed, out := run(t, events(t, append(passing, pkgPass...)...), nil)
		if !passed {
			t.Errorf("a run whose tests pass failed:\n%s", out)
		}
		wantLines(t, out, "ok    "+pkg, "PASS: 1 tests passed, 0 failed, 0 skipped (0 not allowed) in 1 packages")
	})

	t.Run("ErrSkipped", func(t *testing.T) {
		passed, out := run(t, events(t, append(append(passing, skipped...), pkgPass...)...), nil)
		if passed {
			t.Errorf("a run with a skipped test passed:\n%s", out)
		}
		wantLines(t, out, "ok    "+pkg, // go test passes the package
			"SKIPPED  "+pkg+" TestSkip: p_test.go:9: needs redis-server",
			"FAIL: 1 tests passed, 0 failed, 1 skipped (1 not allowed) in 1 packages")
	})

	t.Run("OKAllowedSkip", func(t *testing.T) {
		allowed := map[string]string{pkg + " TestSkip": "opt-in, for a person to look at"}
		passed, out := run(t, events(t, append(append(passing, skipped...), pkgPass...)...), allowed)
		if !passed {
			t.Errorf("a run whose only skip is allowed failed:\n%s", out)
		}
		wantLines(t, out, "allowed  "+pkg+" TestSkip: opt-in, for a person to look at", "1 skipped (0 not allowed)")
	})

	t.Run("ErrNoTests", func(t *testing.T) {
		passed, out := run(t, events(t, []string{"skip", pkg, "", "?   \t" + pkg + "\t[no test files]\n"}), nil)
		if passed {
			t.Errorf("a run without a test passed:\n%s", out)
		}
		wantLines(t, out, "No test ran.")
	})

	t.Run("ErrFailures", func(t *testing.T) {
		// go test -json ./... of a module whose package a has a passing
		// test, a failing subtest and a skip, b does not build, c's
		// TestMain fails and d has no tests.
		in, err := os.ReadFile("testdata/failing.json")
		if err != nil {
			t.Fatal(err)
		}
		passed, out := run(t, string(in), nil)
		if passed {
			t.Errorf("a failing run passed:\n%s", out)
		}
		wantLines(t, out,
			"FAIL  example.com/trdemo/a",
			"--- FAIL: example.com/trdemo/a TestFail/Bad (0.00s)\n    a_test.go:8: want 1, got 2\n",
			"--- FAIL: example.com/trdemo/b (did not build)\n# example.com/trdemo/b [example.com/trdemo/b.test]\nb/b_test.go:5:45: cannot use",
			"--- FAIL: example.com/trdemo/c (outside its tests)\nsetup exploded\n",
			"SKIPPED  example.com/trdemo/a TestSkip: a_test.go:10: needs redis-server",
			"FAIL: 2 tests passed, 2 failed, 1 skipped (1 not allowed) in 3 packages; failed packages: example.com/trdemo/a example.com/trdemo/b example.com/trdemo/c")
		for _, unwanted := range []string{"--- FAIL: example.com/trdemo/a TestFail ", "trdemo/d", "=== RUN", "--- PASS"} {
			if strings.Contains(out, unwanted) {
				t.Errorf("the report has %q (a parent failing with its subtest, a package without tests, go test's framing):\n%s", unwanted, out)
			}
		}
	})
}

// TestAllowedSkips: every allowed skip says why.
func TestAllowedSkips(t *testing.T) {
	for test, why := range allowedSkips {
		if strings.Count(test, " ") != 1 || strings.TrimSpace(why) == "" {
			t.Errorf("allowedSkips[%q] = %q: want \"package TestName\" and a reason", test, why)
		}
	}
}

// TestSlowest checks that the report lists the slowest top-level tests,
// slowest first, and leaves out subtests and all but the slowest few.
func TestSlowest(t *testing.T) {
	var b strings.Builder
	line := func(e event) {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	for i := range slowestShown + 2 {
		name := "TestN" + strings.Repeat("x", i)
		line(event{Action: "run", Package: pkg, Test: name})
		line(event{Action: "pass", Package: pkg, Test: name, Elapsed: float64(i)})
	}
	line(event{Action: "run", Package: pkg, Test: "TestParent/Sub"})
	line(event{Action: "pass", Package: pkg, Test: "TestParent/Sub", Elapsed: 99})
	line(event{Action: "pass", Package: pkg})
	_, out := run(t, b.String(), nil)
	_, list, ok := strings.Cut(out, "slowest tests:")
	if !ok {
		t.Fatalf("no slowest tests in\n%s", out)
	}
	list = strings.TrimSpace(list)
	if strings.Contains(list, "Sub") {
		t.Errorf("a subtest among the slowest: %s", list)
	}
	entries := strings.Split(strings.TrimSuffix(list, ";"), ";")
	if len(entries) != slowestShown {
		t.Fatalf("%d listed, want %d: %s", len(entries), slowestShown, list)
	}
	if first := strings.TrimSpace(entries[0]); first != pkg+" TestN"+strings.Repeat("x", slowestShown+1)+" 11.0s" {
		t.Errorf("slowest first: got %q", first)
	}
	if last := strings.TrimSpace(entries[len(entries)-1]); last != pkg+" TestNxx 2.0s" {
		t.Errorf("the tenth slowest last: got %q", last)
	}
}
