package metrics

import (
	"database/sql"
	"fmt"
	"testing"
)

// TestOperationLabel: the web app's operation names label themselves;
// every other name is one label, an unnamed operation another, and the
// known names are bounded whatever the list.
func TestOperationLabel(t *testing.T) {
	db := sql.OpenDB(noDB{})
	t.Cleanup(func() { db.Close() })
	zero := func() int { return 0 }
	m := New(db, []string{"CastVote", "NextPhoto"}, zero, zero, zero)
	for name, want := range map[string]string{
		"CastVote":   "CastVote",
		"NextPhoto":  "NextPhoto",
		"":           AnonymousOperation,
		"castvote":   OtherOperation,
		"Random123":  OtherOperation,
		"anonymous":  OtherOperation,
		"other":      OtherOperation,
		"<b>x</b>":   OtherOperation,
		"NextPhoto ": OtherOperation,
	} {
		if got := m.operationLabel(name); got != want {
			t.Errorf("operationLabel(%q) = %q, want %q", name, got, want)
		}
	}

	many := make([]string, 2*maxOperations)
	for i := range many {
		many[i] = fmt.Sprintf("Op%d", i)
	}
	if m := New(db, many, zero, zero, zero); len(m.operations) != maxOperations || m.operationLabel(many[len(many)-1]) != OtherOperation {
		t.Errorf("%d names known of %d; want the first %d", len(m.operations), len(many), maxOperations)
	}
}
