// Package quality is FaceStat's model of judging quality (issue 13, points
// 2 and 3): each judge's habitual offset per question, how careful the
// judge is and how much each of their votes weighs, and from those the
// weighted and adjusted figures of every photo (stats.Weighted), which
// stats.Summarize and stats.Rank turn into what the API shows.
//
// It is pure arithmetic on its arguments: no database, no clock, no global
// state, deterministic, safe for concurrent use. The service feeds it the
// stored votes and keeps what it returns; nothing is ever dropped, only
// weighed. docs/STATISTICS.md ("Judges") gives every formula and its
// assumptions.
package quality

import (
	"math"
	"time"

	"github.com/google/uuid"
)

// Kind is how the model treats a question's answers.
type Kind int

const (
	// Numeric answers (NUMBER, SCALE) are numbers in [Min, Max]; a judge's
	// offset is additive, in answer units.
	Numeric Kind = iota
	// YesNo answers are 1 (yes) or 0 (no); a judge's offset is on the
	// log-odds of saying yes.
	YesNo
)

// Question is a question the model weighs answers to. For YesNo, Min and
// Max are 0 and 1 (others are ignored).
type Question struct {
	ID       int
	Kind     Kind
	Min, Max float64
}

// Answer is one answer of a vote: yes = 1, no = 0 for YesNo.
type Answer struct {
	Question int
	Value    float64
}

// Vote is one stored vote, as the model sees it.
type Vote struct {
	Judge uuid.UUID
	Photo uuid.UUID
	// Image is the photo's content key: two photos with the same key are
	// the same image ("" unknown), so a judge answering both differently
	// contradicts themselves.
	Image string
	// At is when the vote was stored (the zero time: unknown, never fast).
	At time.Time
	// Network is the client's network (IPv4 /24, IPv6 /48); "" unknown.
	Network string
	// Owner marks a vote cast by the photo's owner or from the owner's own
	// network: it counts nothing, and tells nothing about the judge.
	Owner   bool
	Answers []Answer
}

// Config holds the model's parameters. A zero or negative field takes its
// default (DefaultConfig), so a partial Config is safe.
type Config struct {
	// Established is the number of photos a judge must have judged to be
	// established (default 5).
	Established int
	// NewWeight is the weight of a judge not yet established (default 0.1).
	NewWeight float64
	// Shrink is the number of pseudo-votes with residual 0 that pull every
	// offset toward 0 (partial pooling; default 3).
	Shrink float64
	// MinReadTime: a vote sooner than this after the judge's previous one
	// is too fast to have looked at the photo (default 2s).
	MinReadTime time.Duration
	// NetworkCap: the votes of one network on one photo count as at most
	// this many times their largest single weight (default 2).
	NetworkCap float64
	// Sweeps is the number of alternating sweeps of FitAll (default 5).
	Sweeps int
	// FullVotes is the number of photos judged at which an established
	// judge's weight reaches 1 (default 25); it grows linearly from
	// EstablishedWeight at Established.
	FullVotes int
}

// EstablishedWeight is the weight of a judge who has just become
// established (before Care).
const EstablishedWeight = 0.5

// DefaultConfig returns the parameters FaceStat uses.
func DefaultConfig() Config {
	return Config{
		Established: 5,
		NewWeight:   0.1,
		Shrink:      3,
		MinReadTime: 2 * time.Second,
		NetworkCap:  2,
		Sweeps:      5,
		FullVotes:   25,
	}
}

// withDefaults returns c with every zero or negative field (or NaN) set to
// its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Established <= 0 {
		c.Established = d.Established
	}
	if !(c.NewWeight > 0) {
		c.NewWeight = d.NewWeight
	}
	if !(c.Shrink > 0) {
		c.Shrink = d.Shrink
	}
	if c.MinReadTime <= 0 {
		c.MinReadTime = d.MinReadTime
	}
	if !(c.NetworkCap > 0) {
		c.NetworkCap = d.NetworkCap
	}
	if c.Sweeps <= 0 {
		c.Sweeps = d.Sweeps
	}
	if c.FullVotes <= c.Established {
		c.FullVotes = max(d.FullVotes, c.Established+1)
	}
	return c
}

// Judge is what the model knows of one judge.
type Judge struct {
	// Votes is the number of distinct photos judged (the owner's own
	// photos not counting).
	Votes int
	// Offsets holds, per question the judge answered where a center was
	// known, the judge's habitual offset shrunk toward 0: additive in
	// answer units (Numeric) or on the log-odds of yes (YesNo).
	Offsets map[int]float64
	// Care is 1 for a careful judge, lower for careless patterns (too fast,
	// the same answer to everything, contradicting themselves), never for
	// disagreeing with the crowd.
	Care float64
	// Weight is the weight of each of the judge's votes before per-photo
	// discounts: NewWeight while not established, then growing with
	// history to 1, times Care.
	Weight float64
}

// Center is a photo's current adjusted figure per question, which a
// judge's residuals are measured against; false when there is none (no
// other judge's vote counts on that photo).
type Center func(photo uuid.UUID, question int) (float64, bool)

// index maps question IDs to questions, YesNo ones given the range [0, 1].
func index(qs []Question) map[int]Question {
	m := make(map[int]Question, len(qs))
	for _, q := range qs {
		if q.Kind == YesNo {
			q.Min, q.Max = 0, 1
		}
		m[q.ID] = q
	}
	return m
}

// clamp returns x clamped into [q.Min, q.Max] (a NaN x reads as the
// middle of the range).
func (q Question) clamp(x float64) float64 {
	if math.IsNaN(x) {
		return q.Min + (q.Max-q.Min)/2
	}
	return min(max(x, q.Min), q.Max)
}

// answered reports whether a's value is usable for question q: finite
// and, for YesNo, 0 or 1.
func answered(q Question, a Answer) bool {
	if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) {
		return false
	}
	return q.Kind != YesNo || a.Value == 0 || a.Value == 1
}

// sigmoid is the logistic function 1/(1+e^-x).
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
