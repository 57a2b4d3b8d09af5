// Package admission keeps one instance from taking on more work than it can
// finish: a bounded number of requests in flight per class of work, a fast
// refusal with a retry time beyond it, and degradation levels that switch
// off the database-heavy extras before the essentials suffer.
//
// A Controller is shared by the whole process. Admit is on every request's
// path and takes no lock; the level is recomputed once per tick by Run from
// measured signals (see signals.go).
package admission

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/facestat/facestat"
)

// Class is a kind of work with its own concurrency bound.
type Class int

// The classes of work.
const (
	Votes         Class = iota // castVote, skipPhoto
	Reads                      // queries and the small mutations, images served by the instance
	Uploads                    // uploadPhoto
	SignIns                    // signIn, signUp, startAnonymousSession, refreshSession (argon2id, rate-limited)
	Subscriptions              // live results; bounded by how many are open, not by time
	numClasses
)

var classNames = [numClasses]string{"votes", "reads", "uploads", "signins", "subscriptions"}

func (c Class) String() string { return classNames[c] }

// Classes lists every class, in order.
func Classes() []Class { return []Class{Votes, Reads, Uploads, SignIns, Subscriptions} }

// Level is how far the instance has stepped back from its full service.
// Each level includes the ones below it.
type Level int

// The degradation levels.
const (
	// Normal: everything on.
	Normal Level = iota
	// StaleExtras: the database-heavy extras (percentiles, top lists) stop
	// being recomputed and are served as last computed.
	StaleExtras
	// PauseUploads: uploads are refused with UNAVAILABLE (judging, voting,
	// results and the front page stay up).
	PauseUploads
	// MaxLevel is the highest level.
	MaxLevel = PauseUploads
)

var levelNames = []string{"normal", "stale-extras", "pause-uploads"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("level-%d", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads a level by name or number ("auto" is not a level: see
// ParseForced).
func ParseLevel(s string) (Level, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	for i, n := range levelNames {
		if s == n || s == fmt.Sprint(i) {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown degradation level %q (want auto, %s)", s, strings.Join(levelNames, ", "))
}

// ParseForced reads an operator's setting: "auto" (or empty) for automatic
// levels, nil; otherwise the forced level.
func ParseForced(s string) (*Level, error) {
	if t := strings.TrimSpace(strings.ToLower(s)); t == "" || t == "auto" {
		return nil, nil
	}
	l, err := ParseLevel(s)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// Limits bounds each class. A limit of 0 leaves a class unbounded.
type Limits struct {
	// InFlight is each class's most requests in flight at once. With a
	// Target, the limit of the adaptive classes (votes, reads, sign-ins)
	// moves below it with measured latency (see Adaptive); uploads and
	// subscriptions keep theirs fixed.
	InFlight [numClasses]int
	// Wait is how long a request may wait for a slot of its class before
	// it is refused. At most as many requests as InFlight wait.
	Wait time.Duration
	// Target is the adaptive classes' latency ceiling (90th percentile of
	// each window); 0 makes every limit fixed at InFlight.
	Target time.Duration
}

// adaptiveClass reports whether class's limit follows latency: the
// short operations whose latency says how busy the instance is. Uploads
// take as long as their bodies and image work, subscriptions as long as
// their readers stay: neither latency is a signal.
func adaptiveClass(c Class) bool { return c == Votes || c == Reads || c == SignIns }

// gate is one class's admission: its limiter (nil: unbounded) and counts.
type gate struct {
	lim     *limiter
	active  atomic.Int64 // requests in flight (also for unbounded classes)
	refused atomic.Uint64
}

// Refusal retry times: soon for the light classes (a slot frees within
// milliseconds), longer for uploads, which are heavy and can wait.
const (
	retryBusy          = time.Second
	retryUploadsPaused = 30 * time.Second
)

// Busy is the error of a refused request.
func Busy(class Class) *facestat.Error {
	retry := retryBusy
	if class == Uploads {
		retry = 5 * time.Second
	}
	return &facestat.Error{Code: facestat.Unavailable, Reason: facestat.ReasonBusy, RetryAfter: retry,
		Message: "FaceStat is very busy right now; try again in a moment"}
}

// UploadsPaused is the error of an upload refused at level PauseUploads.
func UploadsPaused() *facestat.Error {
	return &facestat.Error{Code: facestat.Unavailable, Reason: facestat.ReasonUploadsPaused, RetryAfter: retryUploadsPaused,
		Message: "uploads are paused while FaceStat is very busy; judging and results still work, try again in a minute"}
}

// DatabaseDown is the error of a request refused while the database does
// not answer.
func DatabaseDown() *facestat.Error {
	return &facestat.Error{Code: facestat.Unavailable, Reason: facestat.ReasonDatabaseDown, RetryAfter: 5 * time.Second,
		Message: "FaceStat cannot reach its database right now; try again in a moment"}
}
