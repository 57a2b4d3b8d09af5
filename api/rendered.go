package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// renderedReads is the one place where gqlgen's execution is skipped
// (issue 16): it keeps the rendered `data` of hot photo reads and answers
// the same read again with those bytes while nothing it was rendered from
// has changed.
//
// Only a query that reads one photo by id (photo(id:)) and selects only
// fields whose value is the same for every viewer of a public, active
// photo (readFields: no viewer*, survey, consent, moderation state, no
// arguments, no directives) is eligible; this is decided once per parsed
// operation. Only a photo that is public and active and whose image keys
// are public (private ones are signed URLs that expire) is served from an
// entry, and only while the near cache (cache.Near) holds the very same
// decoded photo row, owner row and aggregates the entry was rendered from:
// an invalidation (a vote counted, a visibility or status change, a
// handle changed), an expiry or a refill replaces those values, and the
// entry no longer matches. The statistics are what judging.Service.
// BuildShared returns for those same values, so the bytes are those the
// resolvers would render (TestRenderedReads compares them).
//
// Everything around execution still happens: authentication, admission,
// the price and the budget's charge and refund (an entry remembers the
// actual cost its rendering metered, and meters it again), the cost
// extension and headers, metrics. A response with errors or extensions is
// not kept. Entries are bounded in number and bytes and live at most the
// near cache's TTL.
type renderedReads struct {
	res    *graph.Resolver
	maxAge time.Duration

	hits atomic.Int64 // reads answered from an entry

	plans  sync.Map // *ast.OperationDefinition → *readPlan (nil: not eligible)
	nplans atomic.Int64

	mu      sync.Mutex
	entries *simplelru.LRU[renderedKey, *renderedEntry]
	bytes   int
}

// Bounds of renderedReads.
const (
	renderedMaxEntries    = 4096
	renderedMaxBytes      = 16 << 20
	renderedMaxEntryBytes = 64 << 10
	renderedMaxPlans      = 1024
)

// readPlan is what an eligible operation reads: the photo whose id its
// photo field's argument names, and whether it selects the owner and the
// statistics.
type readPlan struct {
	id           *ast.Value
	owner, stats bool
}

type renderedKey struct {
	op *ast.OperationDefinition
	id uuid.UUID
}

// renderedEntry is one rendered answer and the values it was rendered from.
type renderedEntry struct {
	photo *ent.Photo
	owner *ent.User
	agg   *judging.Aggregates
	data  []byte
	cost  int64 // the actual cost its rendering metered
	at    time.Time
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*renderedReads)(nil)

func newRenderedReads(res *graph.Resolver, maxAge time.Duration) *renderedReads {
	r := &renderedReads{res: res, maxAge: maxAge}
	r.entries, _ = simplelru.NewLRU(renderedMaxEntries, func(_ renderedKey, e *renderedEntry) { r.bytes -= len(e.data) })
	return r
}

func (*renderedReads) ExtensionName() string                   { return "RenderedReads" }
func (*renderedReads) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers an eligible read from its entry when the entry
// still matches, else renders it and keeps the result.
func (r *renderedReads) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if r.maxAge <= 0 || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	plan := r.plan(oc.Operation)
	if plan == nil {
		return next(ctx)
	}
	gid, _ := plan.id.Value(oc.Variables)
	s, _ := gid.(string)
	typ, id, ok := relay.ParseID(s)
	if !ok || typ != "Photo" {
		return next(ctx)
	}
	key := renderedKey{oc.Operation, id}
	p, owner, agg, cur := r.current(id, plan)
	if !cur {
		return next(ctx)
	}
	m, _ := ctx.Value(meterKey{}).(*meter)
	r.mu.Lock()
	e, hit := r.entries.Get(key)
	r.mu.Unlock()
	if hit && e.photo == p && e.owner == owner && e.agg == agg && time.Since(e.at) < r.maxAge {
		if m != nil {
			m.cost.Add(e.cost)
		}
		r.hits.Add(1)
		return &graphql.Response{Data: e.data}
	}
	var before int64
	if m != nil {
		before = m.cost.Load()
	}
	at := time.Now()
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || len(resp.Data) > renderedMaxEntryBytes {
		return resp
	}
	// Kept only if the near cache held the same values throughout: the
	// resolvers read those (a replaced value never comes back).
	if p2, owner2, agg2, ok := r.current(id, plan); !ok || p2 != p || owner2 != owner || agg2 != agg {
		return resp
	}
	ne := &renderedEntry{photo: p, owner: owner, agg: agg, data: resp.Data, at: at}
	if m != nil {
		ne.cost = m.cost.Load() - before
	}
	r.mu.Lock()
	if old, ok := r.entries.Peek(key); ok {
		r.bytes -= len(old.data)
	}
	r.entries.Add(key, ne)
	r.bytes += len(ne.data)
	for r.bytes > renderedMaxBytes {
		r.entries.RemoveOldest()
	}
	r.mu.Unlock()
	return resp
}

// current returns the near cache's values a read of photo id renders from,
// and whether an entry may answer it: the photo is there, public, active,
// with public image keys, and so are its owner and aggregates when the
// plan selects them.
func (r *renderedReads) current(id uuid.UUID, plan *readPlan) (*ent.Photo, *ent.User, *judging.Aggregates, bool) {
	p, ok := r.res.Photos.Cached(id)
	if !ok || p == nil {
		return nil, nil, nil, false
	}
	if f := photos.FactsOf(p); !f.Public || !f.Active || photos.IsPrivateKey(p.ImageKey) || photos.IsPrivateKey(p.ThumbKey) {
		return nil, nil, nil, false
	}
	var owner *ent.User
	if plan.owner {
		if owner, ok = r.res.Identity.CachedUser(p.OwnerID); !ok || owner == nil {
			return nil, nil, nil, false
		}
	}
	var agg *judging.Aggregates
	if plan.stats {
		if agg, ok = r.res.Judging.CachedAggregates(id); !ok || agg == nil {
			return nil, nil, nil, false
		}
	}
	return p, owner, agg, true
}

// plan returns op's readPlan, nil when op is not eligible; decided once
// per parsed operation (gqlgen's query cache keeps the parsed documents).
func (r *renderedReads) plan(op *ast.OperationDefinition) *readPlan {
	if op == nil {
		return nil
	}
	if v, ok := r.plans.Load(op); ok {
		return v.(*readPlan)
	}
	plan := planRead(op)
	if r.nplans.Add(1) > renderedMaxPlans { // documents come and go: start over
		r.plans.Clear()
		r.nplans.Store(1)
	}
	r.plans.Store(op, plan)
	return plan
}

// readFields are the fields, by type, whose values are the same for every
// viewer of a public, active photo, given the photo row, its owner's row
// and its aggregates. Left out on purpose: viewerHasVoted,
// viewerCanSeeStats, survey, moderationState, consent, stats' photo (a
// way back to anything), User.photos (its own lists and arguments).
var readFields = map[string]map[string]bool{
	"Photo": {"id": true, "postedBy": true, "owner": true, "imageUrl": true, "thumbnailUrl": true, "width": true, "height": true,
		"createdAt": true, "isPublic": true, "voteCount": true, "stats": true},
	"User":       {"id": true, "handle": true, "createdAt": true},
	"PhotoStats": {"id": true, "voteCount": true, "version": true, "updatedAt": true, "questions": true},
	"QuestionStats": {"question": true, "count": true, "mean": true, "adjustedMean": true, "effectiveCount": true, "median": true,
		"stddev": true, "interval": true, "yesShare": true, "histogram": true, "words": true, "percentile": true, "stable": true},
	"Question":        {"id": true, "key": true, "prompt": true, "kind": true, "min": true, "max": true},
	"Interval":        {"low": true, "high": true, "level": true},
	"HistogramBucket": {"value": true, "count": true},
	"WordCount":       {"word": true, "count": true},
}

// planRead decides whether op is eligible (see renderedReads): a query
// whose root selects exactly one photo(id:) field, and __typename.
func planRead(op *ast.OperationDefinition) *readPlan {
	if op.Operation != ast.Query || len(op.Directives) > 0 {
		return nil
	}
	var plan *readPlan
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || len(f.Directives) > 0 {
			return nil
		}
		if f.Name == "__typename" && len(f.Arguments) == 0 {
			continue
		}
		if f.Name != "photo" || plan != nil || len(f.Arguments) != 1 || f.Arguments[0].Name != "id" {
			return nil
		}
		plan = &readPlan{id: f.Arguments[0].Value}
		if !plan.selects(f.SelectionSet, "Photo", 0) {
			return nil
		}
	}
	return plan
}

// selects walks a selection set of type typ, allowing readFields only,
// and notes what the plan must check.
func (p *readPlan) selects(set ast.SelectionSet, typ string, depth int) bool {
	if depth > 16 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Directives) > 0 || len(s.Arguments) > 0 {
				return false
			}
			if s.Name == "__typename" {
				continue
			}
			if s.ObjectDefinition == nil || s.ObjectDefinition.Name != typ || !readFields[typ][s.Name] || s.Definition == nil {
				return false
			}
			switch {
			case typ == "Photo" && (s.Name == "owner" || s.Name == "postedBy"):
				p.owner = true
			case typ == "Photo" && s.Name == "stats":
				p.stats = true
			}
			if len(s.SelectionSet) > 0 && !p.selects(s.SelectionSet, s.Definition.Type.Name(), depth+1) {
				return false
			}
		case *ast.InlineFragment:
			if len(s.Directives) > 0 || (s.TypeCondition != "" && s.TypeCondition != typ) || !p.selects(s.SelectionSet, typ, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			if len(s.Directives) > 0 || s.Definition == nil || s.Definition.TypeCondition != typ || !p.selects(s.Definition.SelectionSet, typ, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
