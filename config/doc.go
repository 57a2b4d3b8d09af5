package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

//go:generate go run ./internal/readme ../README.md

// Usage writes every option, group by group, with its variable, its
// default and its help line: what `facestat help` prints.
func Usage(w io.Writer) {
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s:\n", g.title)
		if g.intro != "" {
			fmt.Fprintf(w, "  %s\n", g.intro)
		}
		for _, o := range g.options {
			fmt.Fprintf(w, "  -%s, $%s (default %q", o.name, o.env(), o.def)
			if c := computedDefaults[o.name]; c != "" {
				fmt.Fprintf(w, ": %s", c)
			}
			fmt.Fprintf(w, ")\n      %s\n", o.help)
		}
	}
}

// Markdown renders every option as the README shows them: per group a
// heading, its intro and a table of variable and flag, default and help.
func Markdown() string {
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n", g.title)
		if g.intro != "" {
			fmt.Fprintf(&b, "%s\n\n", g.intro)
		}
		b.WriteString("| variable, flag | default | what |\n|---|---|---|\n")
		for _, o := range g.options {
			fmt.Fprintf(&b, "| `%s`<br>`-%s` | %s | %s |\n", o.env(), o.name, markdownDefault(o), cell(o.help))
		}
	}
	return b.String()
}

// markdownDefault is the default as a table shows it: the value in code,
// "none" for an empty one, and what a computed default amounts to.
func markdownDefault(o option) string {
	c := computedDefaults[o.name]
	switch {
	case o.def != "" && c != "":
		return "`" + o.def + "`: " + cell(c)
	case o.def != "":
		return "`" + o.def + "`"
	case c != "":
		return cell(c)
	}
	return "none"
}

// cell escapes what would end a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// The lines around the generated tables in a Markdown file.
const (
	beginTables = "<!-- BEGIN config tables: generated from config/config.go by `make generate`; edit the options there -->"
	endTables   = "<!-- END config tables -->"
)

// SpliceTables returns doc with the lines between its config table
// markers replaced by Markdown(). It returns an error when doc lacks a
// marker, or has either twice or out of order.
func SpliceTables(doc []byte) ([]byte, error) {
	begin, end := []byte(beginTables+"\n"), []byte("\n"+endTables)
	i, j := bytes.Index(doc, begin), bytes.Index(doc, end)
	switch {
	case i < 0 || j < 0 || i > 0 && doc[i-1] != '\n':
		return nil, fmt.Errorf("config: the markers %q and %q are not both there, each on a line of its own", beginTables, endTables)
	case bytes.Count(doc, begin) > 1 || bytes.Count(doc, end) > 1:
		return nil, errors.New("config: the config table markers appear more than once")
	case j < i:
		return nil, errors.New("config: the config tables' end marker comes before the begin marker")
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(begin)])
	out.WriteString("\n" + Markdown())
	out.Write(doc[j:])
	return out.Bytes(), nil
}
