// Package prometheus_test checks FaceStat's Prometheus alert rules with
// promtool (Debian's prometheus package): they load, every alert fires on
// its problem within 60 s and stays quiet on healthy series
// (alerts_test.yml), and the example configuration is valid. Without
// promtool the tests fail, unless -short.
//
// That every metric the rules use is exposed by a running FaceStat is
// checked by integration.TestMetricsAlertNames.
package prometheus_test

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/facestat/facestat/internal/testenv"
)

// promtool returns promtool's path, failing the test when it is missing
// (skipping it under -short).
func promtool(t *testing.T) string {
	t.Helper()
	return testenv.MustHaveCommand(t, "promtool", "apt-get install --no-install-recommends prometheus (Debian's package)")
}

// run runs promtool with args in this folder, failing the test on an error.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestAlertRulesLoad: promtool check rules accepts alerts.yml.
func TestAlertRulesLoad(t *testing.T) {
	out := run(t, "check", "rules", "alerts.yml")
	if want := strconv.Itoa(len(alerts(t))) + " rules found"; !strings.Contains(out, want) {
		t.Errorf("promtool found another number of rules than the %s alerts: %s", want, out)
	}
}

// TestAlertRulesUnitTests: promtool test rules passes alerts_test.yml.
func TestAlertRulesUnitTests(t *testing.T) {
	run(t, "test", "rules", "alerts_test.yml")
}

// TestExampleConfig: the example prometheus.yml (which loads alerts.yml) is
// valid.
func TestExampleConfig(t *testing.T) {
	run(t, "check", "config", "prometheus.yml")
}

// alert is one rule of alerts.yml, as text.
type alert struct {
	name, text string
}

// alerts splits alerts.yml into its rules.
func alerts(t *testing.T) []alert {
	t.Helper()
	raw, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var out []alert
	for _, block := range regexp.MustCompile(`(?m)^\s*- alert: `).Split(string(raw), -1)[1:] {
		name, _, _ := strings.Cut(block, "\n")
		out = append(out, alert{name: strings.TrimSpace(name), text: block})
	}
	if len(out) < 10 {
		t.Fatalf("only %d alerts in alerts.yml", len(out))
	}
	return out
}

// TestEveryAlertIsTested: alerts_test.yml has, for every alert, a check
// that it is quiet before the problem (4m45s) and one that it fires 30 s
// after the first bad sample at 5m (5m30s; with scrape and evaluation
// delays, within 60 s of the problem). promtool does not notice an alert
// without tests, hence this.
func TestEveryAlertIsTested(t *testing.T) {
	raw, err := os.ReadFile("alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	// Each check: eval_time, alertname, then exp_alerts, empty or not.
	check := regexp.MustCompile(`(?m)^\s*- eval_time: (\S+)\n\s*alertname: (\S+)\n\s*exp_alerts:( \[\])?\n`)
	quiet, fires := map[string]bool{}, map[string]bool{}
	for _, m := range check.FindAllStringSubmatch(string(raw), -1) {
		switch {
		case m[1] == "4m45s" && m[3] != "":
			quiet[m[2]] = true
		case m[1] == "5m30s" && m[3] == "":
			fires[m[2]] = true
		}
	}
	for _, a := range alerts(t) {
		if !quiet[a.name] {
			t.Errorf("%s: no check that it is quiet at 4m45s, before the problem", a.name)
		}
		if !fires[a.name] {
			t.Errorf("%s: no check that it fires at 5m30s, 30 s after the first bad sample", a.name)
		}
	}
}

// TestEveryAlertIsExplained: every alert has a severity (warning or
// critical), a summary, a description and a runbook line, and waits at most
// 30 s (the budget that lets it fire within 60 s).
func TestEveryAlertIsExplained(t *testing.T) {
	forRE := regexp.MustCompile(`\n\s*for: (\d+)s\n`)
	severity := regexp.MustCompile(`\n\s*severity: (\w+)\n`)
	for _, a := range alerts(t) {
		for _, field := range []string{"summary", "description", "runbook"} {
			if !regexp.MustCompile(`\n\s*` + field + `: "[^"]{20,}"\n`).MatchString(a.text) {
				t.Errorf("%s: no %s", a.name, field)
			}
		}
		if m := severity.FindStringSubmatch(a.text); m == nil || !slices.Contains([]string{"warning", "critical"}, m[1]) {
			t.Errorf("%s: severity %v, want warning or critical", a.name, m)
		}
		m := forRE.FindStringSubmatch(a.text)
		if m == nil {
			t.Errorf("%s: no for: in seconds", a.name)
		} else if n, _ := strconv.Atoi(m[1]); n > 30 {
			t.Errorf("%s: for: %ss, more than 30 s", a.name, m[1])
		}
	}
}
