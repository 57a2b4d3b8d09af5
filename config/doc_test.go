package config

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// usageLine is an option as Usage prints it; the computed default, if
// any, follows the literal one.
var usageLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+), \$(FACESTAT_[A-Z0-9_]+) \(default "([^"]*)"(?:: (.+))?\)\n      (.+)$`)

// markdownRow is an option's row in Markdown's tables.
var markdownRow = regexp.MustCompile("(?m)^\\| `(FACESTAT_[A-Z0-9_]+)`<br>`-([a-z0-9-]+)` \\| (.*)$")

func TestOptions(t *testing.T) {
	t.Run("OKEachOnceWithHelp", func(t *testing.T) {
		seen := map[string]bool{}
		for _, o := range options {
			if seen[o.name] {
				t.Errorf("option %s is defined twice", o.name)
			}
			seen[o.name] = true
			if o.help == "" || strings.ContainsAny(o.help, "\n\r") {
				t.Errorf("option %s: help %q must be one non-empty line", o.name, o.help)
			}
		}
		for name := range computedDefaults {
			if !seen[name] {
				t.Errorf("computedDefaults explains %q, which is no option", name)
			}
		}
	})
	t.Run("OKGroups", func(t *testing.T) {
		var titles []string
		for _, g := range groups {
			if len(g.options) == 0 || g.title == "" || slices.Contains(titles, g.title) {
				t.Errorf("group %q: want a unique title and at least one option", g.title)
			}
			titles = append(titles, g.title)
		}
	})
}

func TestUsage(t *testing.T) {
	var b bytes.Buffer
	Usage(&b)
	lines := usageLine.FindAllStringSubmatch(b.String(), -1)
	if len(lines) != len(options) {
		t.Fatalf("Usage lists %d options, want all %d:\n%s", len(lines), len(options), b.String())
	}
	for i, m := range lines {
		o := options[i]
		if m[1] != o.name || m[3] != o.def || m[4] != computedDefaults[o.name] || m[5] != o.help {
			t.Errorf("Usage line %q, want option %s with its default and help", m[0], o.name)
		}
		if want := "FACESTAT_" + strings.ToUpper(strings.ReplaceAll(m[1], "-", "_")); m[2] != want {
			t.Errorf("option %s has variable %s, want %s", m[1], m[2], want)
		}
	}
	for _, g := range groups {
		if !strings.Contains(b.String(), "\n"+g.title+":\n") && !strings.HasPrefix(b.String(), g.title+":\n") {
			t.Errorf("Usage lacks the heading of group %s", g.title)
		}
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	rows := markdownRow.FindAllStringSubmatch(md, -1)
	if len(rows) != len(options) {
		t.Fatalf("Markdown has %d option rows, want all %d:\n%s", len(rows), len(options), md)
	}
	cellSep := regexp.MustCompile(`(^|[^\\])\|`)
	for i, r := range rows {
		o := options[i]
		if r[1] != o.env() || r[2] != o.name {
			t.Errorf("row %d is %s, want %s", i, r[1], o.env())
			continue
		}
		// The rest of the row is default | help |: exactly two more cells.
		if n := len(cellSep.FindAllString(r[3], -1)); n != 2 {
			t.Errorf("row of %s has %d cell separators after the name, want 2: %q", o.name, n, r[0])
		}
		shown, _, _ := strings.Cut(r[3], " | ")
		switch def, computed := o.def, computedDefaults[o.name]; {
		case def == "" && computed == "" && shown != "none":
			t.Errorf("%s: default shown as %q, want none", o.name, shown)
		case def != "" && !strings.HasPrefix(shown, "`"+def+"`"):
			t.Errorf("%s: default shown as %q, want `%s`", o.name, shown, def)
		case computed != "" && !strings.Contains(shown, computed):
			t.Errorf("%s: default shown as %q, want it explained as %q", o.name, shown, computed)
		}
	}
	// A default shown is the one Load applies: setting each option to its
	// shown value changes nothing.
	base, _, err := Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if o.def == "" {
			continue
		}
		c, _, err := Load([]string{"-" + o.name, o.def}, func(string) string { return "" }, io.Discard)
		if err != nil || !reflect.DeepEqual(c, base) {
			t.Errorf("-%s %s (its shown default) gives another configuration than no setting (%v)", o.name, o.def, err)
		}
	}
}

func TestSpliceTables(t *testing.T) {
	doc := func(tables string) []byte {
		return []byte("# Title\n\nIntro.\n\n" + beginTables + "\n" + tables + "\n" + endTables + "\n\n## Next\n")
	}
	t.Run("OKReplacesStaleTables", func(t *testing.T) {
		got, err := SpliceTables(doc("\n| `FACESTAT_GONE` | `1` | an option since removed |\n"))
		if err != nil {
			t.Fatal(err)
		}
		if want := doc("\n" + Markdown()); !bytes.Equal(got, want) {
			t.Errorf("SpliceTables =\n%s\nwant\n%s", got, want)
		}
		again, err := SpliceTables(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Errorf("SpliceTables is not idempotent: %v", err)
		}
	})
	for name, d := range map[string][]byte{
		"ErrNoMarkers":  []byte("# Title\n\n| a | b |\n"),
		"ErrNoEnd":      []byte(beginTables + "\n| a |\n"),
		"ErrTwice":      append(doc(""), doc("")...),
		"ErrEndFirst":   []byte(endTables + "\n\n" + beginTables + "\n"),
		"ErrNotOwnLine": []byte("text " + beginTables + "\n" + endTables + "\n"),
	} {
		t.Run(name, func(t *testing.T) {
			if out, err := SpliceTables(d); err == nil {
				t.Errorf("SpliceTables(%q) = %q, want an error", d, out)
			}
		})
	}
}

// TestReadmeTables fails when the README's configuration tables are not
// what the options render: an option added, removed or changed without
// `make generate`, or the tables edited by hand.
func TestReadmeTables(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := SpliceTables(readme)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if bytes.Equal(readme, want) {
		return
	}
	got, wantLines := strings.Split(string(readme), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(got), len(wantLines)) {
		if got[i] != wantLines[i] {
			t.Fatalf("README.md's configuration tables differ from the options in config/config.go: run `make generate` and commit README.md.\nFirst difference, line %d:\n README.md: %s\n options:   %s", i+1, got[i], wantLines[i])
		}
	}
	t.Fatalf("README.md's configuration tables differ from the options in config/config.go (%d lines against %d): run `make generate` and commit README.md", len(got), len(wantLines))
}
