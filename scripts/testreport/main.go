// Command testreport runs `go test -json` with the arguments after --,
// prints a line per package as it finishes, and then the failed tests with
// their output, every skipped test with its reason, and a summary. It
// fails (exit status 1) when a test failed, a package did not build, no
// test ran, or a test was skipped: in a full run every tool is installed
// (scripts/deps), so a skip means a test did not run that should have.
// The only skips allowed are the opt-in tests in allowedSkips.
//
//	go run ./scripts/testreport -- -race -count=1 -timeout 20m ./integration ./...
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// allowedSkips are the tests that may skip in a full run, by package and
// test name, each with why: none today. Only an opt-in test that needs no
// tool and checks nothing a full run needs could belong here.
var allowedSkips = map[string]string{}

func main() {
	goCmd := flag.String("go", "go", "the go command")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: testreport [-go go] -- [go test flags and packages]")
		flag.PrintDefaults()
	}
	flag.Parse()

	cmd := exec.Command(*goCmd, append([]string{"test", "-json"}, flag.Args()...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fatal(err)
	}
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	passed, err := report(stdout, os.Stdout, allowedSkips)
	if err != nil {
		fatal(err)
	}
	if err := cmd.Wait(); err != nil && passed {
		// go test failed without a failing test in its output (a bad flag,
		// an unreadable go.mod): what it printed went to stderr.
		fatal(fmt.Errorf("go test: %v", err))
	}
	if !passed {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "testreport:", err)
	os.Exit(1)
}

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	Elapsed     float64
	ImportPath  string // build-output and build-fail events
	FailedBuild string // on a package's fail: the ImportPath of the build that failed
}

// outcome is how one test (or subtest) ended, with its output.
type outcome struct {
	pkg, test string
	elapsed   float64
	output    []string
	build     bool // a package that did not build
}

func (o outcome) key() string { return o.pkg + " " + o.test }

// report reads go test's events from in, writes a line per finished
// package to out as it goes, then the failures, the skips and a summary.
// It reports whether the run passed: no failed test or package, no skip
// outside allowed, and at least one test run.
func report(in io.Reader, out io.Writer, allowed map[string]string) (bool, error) {
	var (
		running  = map[string][]string{} // output so far, by package and test ("pkg " for the package's own)
		builds   = map[string][]string{} // build output by ImportPath
		failed   []outcome               // tests, then packages whose own output matters
		failPkgs []string
		skipped  []outcome
		passes   int
		pkgs     int
		tops     []outcome // top-level tests that passed, for the slowest
		start    = time.Now()
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintf(out, "%s\n", line) // not an event: pass it on
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "build-output":
			builds[e.ImportPath] = append(builds[e.ImportPath], e.Output)
		case "output":
			running[key] = append(running[key], e.Output)
		case "pass", "fail", "skip":
			o := outcome{pkg: e.Package, test: e.Test, elapsed: e.Elapsed, output: running[key]}
			delete(running, key)
			if e.Test != "" {
				switch e.Action {
				case "pass":
					passes++
					if !strings.Contains(e.Test, "/") {
						tops = append(tops, outcome{pkg: e.Package, test: e.Test, elapsed: e.Elapsed})
					}
				case "fail":
					failed = append(failed, o)
				case "skip":
					skipped = append(skipped, o)
				}
				continue
			}
			// The package is done.
			switch e.Action {
			case "pass":
				pkgs++
				fmt.Fprintf(out, "ok    %s %.1fs\n", e.Package, e.Elapsed)
			case "fail":
				pkgs++
				fmt.Fprintf(out, "FAIL  %s %.1fs\n", e.Package, e.Elapsed)
				failPkgs = append(failPkgs, e.Package)
				if e.FailedBuild != "" {
					o.output, o.build = append(builds[e.FailedBuild], o.output...), true
				}
				o.test = ""
				failed = append(failed, o)
			}
			// "skip" without a test: a package with no test files.
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}

	var notAllowed []outcome
	for _, s := range skipped {
		if _, ok := allowed[s.key()]; !ok {
			notAllowed = append(notAllowed, s)
		}
	}
	failedTests := 0
	if len(failed) > 0 {
		fmt.Fprintf(out, "\n=== failures\n")
		for _, f := range failed {
			lines := ownLines(f.output)
			if f.test != "" {
				failedTests++
			}
			if len(lines) == 0 && hasFailedTest(failed, f.pkg, f.test) {
				continue // it failed because a test or subtest did, which is listed
			}
			if f.test == "" && f.build {
				fmt.Fprintf(out, "\n--- FAIL: %s (did not build)\n", f.pkg)
			} else if f.test == "" {
				fmt.Fprintf(out, "\n--- FAIL: %s (outside its tests)\n", f.pkg)
			} else {
				fmt.Fprintf(out, "\n--- FAIL: %s %s (%.2fs)\n", f.pkg, f.test, f.elapsed)
			}
			for _, l := range lines {
				fmt.Fprint(out, l)
			}
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(out, "\n=== skipped\n")
		for _, s := range skipped {
			why := strings.TrimSpace(strings.Join(ownLines(s.output), ""))
			if reason, ok := allowed[s.key()]; ok {
				fmt.Fprintf(out, "allowed  %s %s: %s\n", s.pkg, s.test, reason)
			} else {
				if why == "" {
					why = "no reason given"
				}
				fmt.Fprintf(out, "SKIPPED  %s %s: %s\n", s.pkg, s.test, why)
			}
		}
	}

	passed := len(failed) == 0 && len(notAllowed) == 0 && passes > 0
	verdict := "PASS"
	if !passed {
		verdict = "FAIL"
	}
	fmt.Fprintf(out, "\n%s: %d tests passed, %d failed, %d skipped (%d not allowed) in %d packages",
		verdict, passes, failedTests, len(skipped), len(notAllowed), pkgs)
	if len(failPkgs) > 0 {
		fmt.Fprintf(out, "; failed packages: %s", strings.Join(failPkgs, " "))
	}
	fmt.Fprintf(out, " (%s)\n", time.Since(start).Round(time.Second))
	writeSlowest(out, tops, slowestShown)
	if len(notAllowed) > 0 {
		fmt.Fprintf(out, "A skipped test fails the run: install what it needs (scripts/deps) or, for an opt-in test that needs no tool, list it in scripts/testreport's allowedSkips.\n")
	}
	if passes == 0 && len(failed) == 0 {
		fmt.Fprintf(out, "No test ran.\n")
	}
	return passed, nil
}

// slowestShown is how many of the slowest tests the report lists.
const slowestShown = 10

// writeSlowest lists the n slowest of tests (top-level tests: a parent's
// time includes its subtests'), slowest first, so that a suite that grows
// slow shows where; a parallel test's time counts from when it resumed.
func writeSlowest(out io.Writer, tests []outcome, n int) {
	if len(tests) == 0 {
		return
	}
	tests = slices.Clone(tests)
	slices.SortStableFunc(tests, func(a, b outcome) int { return cmp.Compare(b.elapsed, a.elapsed) })
	fmt.Fprintf(out, "slowest tests:")
	for _, t := range tests[:min(n, len(tests))] {
		fmt.Fprintf(out, " %s %s %.1fs;", t.pkg, t.test, t.elapsed)
	}
	fmt.Fprintln(out)
}

// ownLines drops the lines go test frames every test with (=== RUN,
// --- PASS, ...) and a package's closing lines, keeping what the test or
// package printed.
func ownLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "=== "), strings.HasPrefix(t, "--- PASS"), strings.HasPrefix(t, "--- FAIL"), strings.HasPrefix(t, "--- SKIP"),
			t == "PASS", t == "FAIL", strings.HasPrefix(t, "ok  \t"), strings.HasPrefix(t, "FAIL\t"), t == "":
			continue
		}
		out = append(out, l)
	}
	return out
}

// hasFailedTest reports whether failed holds a test of pkg inside parent:
// a subtest of the test parent, or with parent "" any test of pkg.
func hasFailedTest(failed []outcome, pkg, parent string) bool {
	return slices.ContainsFunc(failed, func(o outcome) bool {
		if o.pkg != pkg || o.test == "" {
			return false
		}
		return parent == "" || strings.HasPrefix(o.test, parent+"/")
	})
}
