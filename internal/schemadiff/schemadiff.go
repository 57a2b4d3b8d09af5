// Package schemadiff finds the changes between two versions of a GraphQL
// schema that break a client written against the older one: a removed
// type, field, argument, enum value or input field, an output type that
// may now be null or has another shape, an argument or input field that
// is newly required or accepts less. Additions, an output that becomes
// non-null and an input that becomes optional are not breaking.
//
// A removal is allowed when the baseline deprecated the element with a
// reason naming a date it is kept until ("… kept until at least
// 2027-06-06") and that date has passed: that is FaceStat's deprecation
// policy (docs/API-GUIDE.md).
package schemadiff

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// keptUntil finds the date a deprecation reason promises to keep the
// element until.
var keptUntil = regexp.MustCompile(`until (?:at least )?(\d{4}-\d{2}-\d{2})`)

// RemovalDate is the date a deprecation reason keeps its element until,
// and false when the reason names none.
func RemovalDate(reason string) (time.Time, bool) {
	m := keptUntil.FindStringSubmatch(reason)
	if m == nil {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, m[1])
	return d, err == nil
}

// Breaking lists the changes from old to new that break old's clients,
// sorted, each a sentence naming the element (Type.field(arg:)). now
// decides whether a deprecation's removal date has passed.
func Breaking(old, new *ast.Schema, now time.Time) []string {
	c := &checker{now: now}
	for _, root := range []struct {
		name     string
		old, new *ast.Definition
	}{{"query", old.Query, new.Query}, {"mutation", old.Mutation, new.Mutation}, {"subscription", old.Subscription, new.Subscription}} {
		if root.old != nil && (root.new == nil || root.new.Name != root.old.Name) {
			c.add("the %s root type %s was replaced or removed", root.name, root.old.Name)
		}
	}
	for name, o := range old.Types {
		if o.BuiltIn {
			continue
		}
		n := new.Types[name]
		if n == nil {
			c.add("type %s was removed", name)
			continue
		}
		if n.Kind != o.Kind {
			c.add("type %s changed from %s to %s", name, o.Kind, n.Kind)
			continue
		}
		c.definition(o, n)
	}
	for name, o := range old.Directives {
		if o.Position != nil && o.Position.Src != nil && o.Position.Src.BuiltIn {
			continue
		}
		n := new.Directives[name]
		if n == nil {
			c.add("directive @%s was removed", name)
			continue
		}
		c.arguments("@"+name, o.Arguments, n.Arguments)
	}
	sort.Strings(c.out)
	return c.out
}

type checker struct {
	now time.Time
	out []string
}

func (c *checker) add(format string, args ...any) {
	c.out = append(c.out, fmt.Sprintf(format, args...))
}

// removed reports the removal of what, unless its deprecation (if any)
// promised a date that has passed.
func (c *checker) removed(what string, directives ast.DirectiveList) {
	d := directives.ForName("deprecated")
	if d == nil {
		c.add("%s was removed without being deprecated first", what)
		return
	}
	reason := ""
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		reason = a.Value.Raw
	}
	until, ok := RemovalDate(reason)
	switch {
	case !ok:
		c.add("%s was removed, but its deprecation names no date it is kept until", what)
	case !c.now.After(until.Add(24 * time.Hour)):
		c.add("%s was removed before %s, the date its deprecation keeps it until", what, until.Format(time.DateOnly))
	}
}

func (c *checker) definition(o, n *ast.Definition) {
	switch o.Kind {
	case ast.Object, ast.Interface:
		for _, of := range o.Fields {
			nf := n.Fields.ForName(of.Name)
			what := o.Name + "." + of.Name
			if nf == nil {
				c.removed("field "+what, of.Directives)
				continue
			}
			if !outputCompatible(of.Type, nf.Type) {
				c.add("field %s changed type from %s to %s", what, of.Type, nf.Type)
			}
			c.arguments(what, of.Arguments, nf.Arguments)
		}
		for _, i := range o.Interfaces {
			if !contains(n.Interfaces, i) {
				c.add("type %s no longer implements %s", o.Name, i)
			}
		}
	case ast.Union:
		for _, t := range o.Types {
			if !contains(n.Types, t) {
				c.add("union %s no longer includes %s", o.Name, t)
			}
		}
	case ast.Enum:
		for _, v := range o.EnumValues {
			if n.EnumValues.ForName(v.Name) == nil {
				c.removed("enum value "+o.Name+"."+v.Name, v.Directives)
			}
		}
	case ast.InputObject:
		c.inputs("input field", func(f string) string { return o.Name + "." + f }, asArguments(o.Fields), asArguments(n.Fields))
	}
}

func (c *checker) arguments(field string, old, new ast.ArgumentDefinitionList) {
	c.inputs("argument", func(a string) string { return field + "(" + a + ":)" }, old, new)
}

// inputs compares the arguments or input fields old and new, called
// label and named by name.
func (c *checker) inputs(label string, name func(string) string, old, new ast.ArgumentDefinitionList) {
	for _, oa := range old {
		na := new.ForName(oa.Name)
		what := label + " " + name(oa.Name)
		if na == nil {
			c.removed(what, oa.Directives)
			continue
		}
		if !inputCompatible(oa.Type, na.Type) {
			c.add("%s changed type from %s to %s", what, oa.Type, na.Type)
		}
	}
	for _, na := range new {
		if old.ForName(na.Name) == nil && required(na.Type, na.DefaultValue) {
			c.add("%s %s was added as required", label, name(na.Name))
		}
	}
}

// asArguments: input fields as the input values they are.
func asArguments(fields ast.FieldList) ast.ArgumentDefinitionList {
	out := make(ast.ArgumentDefinitionList, len(fields))
	for i, f := range fields {
		out[i] = &ast.ArgumentDefinition{Name: f.Name, Type: f.Type, DefaultValue: f.DefaultValue, Directives: f.Directives}
	}
	return out
}

func required(t *ast.Type, def *ast.Value) bool { return t.NonNull && def == nil }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// outputCompatible: every value of type n is one a client of o accepts:
// the same shape, non-null allowed to appear where o was nullable.
func outputCompatible(o, n *ast.Type) bool { return sameShapeNonNull(o, n) }

// inputCompatible: every value a client sent for type o is still valid for
// type n: the same shape, nullable allowed to appear where o was non-null.
func inputCompatible(o, n *ast.Type) bool { return sameShapeNonNull(n, o) }

// sameShapeNonNull: a and b are the same named type in the same lists,
// and b is non-null at every level where a is.
func sameShapeNonNull(a, b *ast.Type) bool {
	if a.NonNull && !b.NonNull {
		return false
	}
	if (a.Elem == nil) != (b.Elem == nil) {
		return false
	}
	if a.Elem != nil {
		return sameShapeNonNull(a.Elem, b.Elem)
	}
	return a.NamedType == b.NamedType
}
