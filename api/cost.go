package api

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// The cost model: what an operation may cost before it runs.
//
// A price is about the size of the answer, in units of 16 bytes of JSON (a
// number, a boolean or an enum with its key is one), plus what a field
// costs the server beyond its answer. Every field has a price:
// setComplexity and argFree (fields whose price ignores their arguments)
// set those that differ from the default, and TestEveryListIsPriced fails
// for a list without one.
//
//	field                                   price                               why
//	any other field                         1 + its selection                   gqlgen's default: one value or object
//	an ID (Photo, User, Question,           4                                   56 to 64 characters of base64
//	  PhotoStats, Viewer, deletedPhotoId)
//	Photo.imageUrl, thumbnailUrl            1 per 16 bytes of the longest URL   a private photo's signed URL (photos.MaxURLBytes)
//	PageInfo.startCursor, endCursor,        5                                   up to 70 characters
//	  PhotoEdge.cursor
//	User.handle, WordCount.word             2                                   at most 30 and 24 characters
//	a DateTime                              3                                   32 bytes and the key
//	Question.key, Question.prompt           1 per 16 bytes of the longest       the survey's own texts
//	a token (token, refreshToken,           8                                   about 120 characters
//	  deviceToken)
//	HistogramBucket.value, count            0                                   a bucket costs 1 as a whole: 24 bytes
//	WordCount.count                         0                                   likewise, with its word
//	Query.photos, User.photos,              10 + selection × page               one query; page is first or last
//	  Viewer.photos, Query.topPhotos,                                           (the larger when both: refused),
//	  moderationQueue, moderationLog                                            clamped to max-page-size (likewise)
//	Query.nodes(ids)                        2 + selection × len(ids)            clamped to graph.MaxNodes (likewise)
//	Query.node, Query.photo                 2 + selection                       a batched lookup
//	Query.questions                         1 + selection × questions           the active survey
//	PhotoStats.questions                    1 + selection × questions           one per active question
//	Photo.survey                            1 + selection × questions           a subset of the active survey
//	QuestionStats.histogram                 1 + selection × ⌈buckets/questions⌉ see below
//	QuestionStats.words                     1 + selection × ⌈words/questions⌉   see below
//	PhotoConnection.edges, nodes            1 + selection                       priced by the connection's page
//	Query.nextPhoto, CastVotePayload.next   100 + selection                     a query over the judging pool
//	SkipPhotoPayload.next                   100 + selection                     the same query
//	Viewer.votesCast                        10                                  a count query
//	Viewer.apiKeys                          10 + selection × 10                 one query; 10 live keys at most
//	a mutation                              20 + selection                      a transaction
//	uploadPhoto                             200 + selection                     decoding and storing an image
//	signUp, signIn                          100 + selection                     argon2id hashing
//	a subscription                          20 + selection                      priced once, per message
//	__schema                                56000                               the fullest answer, 765 KiB (GraphiQL's query answers 62 KB)
//	__type                                  5000                                the fullest answer of any type (Mutation), 66 KiB
//	                                                                            (no alias inside either: api/shape.go)
//	an alias                                1 + 1 per 8 bytes of the alias      its key, repeated in every item
//
// A list multiplies its selection by the most items it can hold: `first`
// or `last`,
// the length of `ids`, or a bound of the survey. The survey bounds are
// totals spread over its questions: the histograms of all the questions
// together hold at most Σ judging.HistogramBound buckets (120 for the
// default survey, 100 of them the age question's), and the words at most
// judging.MaxWords per WORD question. Pricing each QuestionStats with the
// average of those totals (rather than every question with the largest)
// prices a photo's statistics by what they can really hold.
//
// The price of an operation is the sum of its fields' prices; fragments are
// priced where they are spread, each fragment walked once. An operation
// priced over max-complexity is refused before anything runs, with
// COMPLEXITY_LIMIT_EXCEEDED and extensions {cost, limit}.
const (
	unitBytes     = 16
	priceID       = 4
	priceCursor   = 5
	priceShort    = 2 // a handle, a word
	priceTime     = 3 // a DateTime: 32 bytes and its key
	priceToken    = 8
	priceList     = 10 // a connection's query
	priceLookup   = 2
	priceNext     = 100
	priceCount    = 10
	priceMutation = 20
	priceUpload   = 200
	priceHashing  = 100
	priceSubscrip = 20
	// maxQueueReports and maxSessionsListed are the longest lists of
	// ModerationQueueItem.reports and Viewer.sessions.
	maxQueueReports   = 20
	maxSessionsListed = 50

	priceSchema   = 56000 // see TestIntrospectionPricedByItsAnswer
	priceType     = 5000
	aliasBytes    = 8 // an alias costs 1 more per this many bytes
	imageKeyBytes = 116
)

// complexityStats is where gqlgen's extension.GetComplexityStats finds an
// operation's price and limit (the budgets read them from there).
const complexityStats = "ComplexityLimit"

// prices is what the price of a field depends on besides the document.
type prices struct {
	MaxPage int                    // max-page-size
	Survey  func() []*ent.Question // the active survey, read at every pricing
	// URLBytes is the length of the longest image URL (a private photo's
	// signed one: photos.MaxURLBytes).
	URLBytes int
}

// setComplexity prices the fields of the schema (see the table above).
// Connections clamp `first` (or `last`) and nodes clamps its ids to what the resolver
// accepts, so that an oversized argument is reported by the resolver as the
// argument error it is. The survey is read at every pricing, so an
// operator's new question is priced at once.
func setComplexity(c *graph.ComplexityRoot, p prices) {
	// page prices a connection by its page size: first or last, the
	// larger when a client sends both (which the resolver refuses).
	page := func(child int, first, last *int) int {
		n := max(deref(first), deref(last))
		return satAdd(priceList, satMul(child, min(max(n, 1), p.MaxPage)))
	}
	c.Query.Photos = func(child int, first *int, _ *string, last *int, _ *string, _ *model.PhotoOrder) int {
		return page(child, first, last)
	}
	c.Query.TopPhotos = func(child int, _ string, first *int, _ *string, last *int, _ *string) int {
		return page(child, first, last)
	}
	connection := func(child int, first *int, _ *string, last *int, _ *string) int { return page(child, first, last) }
	c.User.Photos, c.Viewer.Photos = connection, connection
	c.Query.Nodes = func(child int, ids []string) int {
		return satAdd(priceLookup, satMul(child, min(max(len(ids), 1), graph.MaxNodes)))
	}

	questions := func(child int) int { return satAdd(1, satMul(child, max(len(p.Survey()), 1))) }
	c.Query.Questions = questions
	c.PhotoStats.Questions = questions
	c.Photo.Survey = questions // a subset of the active survey
	c.QuestionStats.Histogram = func(child int) int {
		return satAdd(1, satMul(max(child, 1), spread(p.Survey(), judging.HistogramBound)))
	}
	c.QuestionStats.Words = func(child int) int {
		return satAdd(1, satMul(max(child, 1), spread(p.Survey(), wordBound)))
	}
	c.HistogramBucket.Value, c.HistogramBucket.Count, c.WordCount.Count = fixed(0), fixed(0), fixed(0)
	// Edges and nodes hold the connection's items; the connection field
	// above multiplies them by its page.
	c.PhotoConnection.Edges = plus(1)
	c.PhotoConnection.Nodes = plus(1)
	c.Query.ModerationQueue, c.Query.ModerationLog = connection, connection
	c.ModerationQueueConnection.Edges, c.ModerationQueueConnection.Nodes = plus(1), plus(1)
	c.ModerationLogConnection.Edges, c.ModerationLogConnection.Nodes = plus(1), plus(1)
	c.ModerationQueueItem.Reports = func(child int) int { return satAdd(priceList, satMul(child, maxQueueReports)) }
	c.Viewer.Sessions = func(child int) int { return satAdd(priceList, satMul(child, maxSessionsListed)) }
	c.Viewer.APIKeys = func(child int) int { return satAdd(priceList, satMul(child, identity.MaxLiveKeys)) }
	c.ApiKey.Scopes = fixed(priceShort) // two enum values at most

	c.CastVotePayload.Next = plus(priceNext)
	c.SkipPhotoPayload.Next = plus(priceNext)
	c.ReportPhotoPayload.Next = plus(priceNext)
	c.Viewer.VotesCast = fixed(priceCount)

	for _, f := range []*func(int) int{&c.Photo.ID, &c.User.ID, &c.Question.ID, &c.PhotoStats.ID, &c.Viewer.ID, &c.DeletePhotoPayload.DeletedPhotoID} {
		*f = fixed(priceID)
	}
	url := fixed(units(p.URLBytes))
	c.Photo.ImageURL, c.Photo.ThumbnailURL = url, url
	c.PageInfo.StartCursor, c.PageInfo.EndCursor, c.PhotoEdge.Cursor = fixed(priceCursor), fixed(priceCursor), fixed(priceCursor)
	c.User.Handle, c.WordCount.Word = fixed(priceShort), fixed(priceShort)
	c.Question.Key = func(int) int { return units(longest(p.Survey(), func(q *ent.Question) string { return q.Key })) }
	c.Question.Prompt = func(int) int { return units(longest(p.Survey(), func(q *ent.Question) string { return q.Prompt })) }
	for _, f := range []*func(int) int{&c.Photo.CreatedAt, &c.User.CreatedAt, &c.PhotoStats.UpdatedAt,
		&c.StartAnonymousSessionPayload.ExpiresAt, &c.SignUpPayload.ExpiresAt, &c.SignInPayload.ExpiresAt, &c.RefreshSessionPayload.ExpiresAt} {
		*f = fixed(priceTime)
	}
	for _, f := range []*func(int) int{&c.StartAnonymousSessionPayload.Token, &c.SignUpPayload.Token, &c.SignUpPayload.RefreshToken,
		&c.SignInPayload.Token, &c.SignInPayload.RefreshToken, &c.RefreshSessionPayload.Token, &c.RefreshSessionPayload.RefreshToken,
		&c.SignUpPayload.DeviceToken, &c.SignInPayload.DeviceToken} {
		*f = fixed(priceToken)
	}

	c.CreateApiKeyPayload.Key = fixed(priceToken)
}

// argFree prices the fields whose price does not depend on their
// arguments (every mutation and subscription, and the lookups). The
// pricer and the budget's meter read a field here before they ask the
// schema's complexity functions, because gqlgen decodes a field's
// arguments whole before it calls one, even a function that ignores them:
// castVote's answers were decoded twice a vote for nothing.
var argFree = map[fieldName]func(child int) int{
	{"Query", "node"}:                     plus(priceLookup),
	{"Query", "photo"}:                    plus(priceLookup),
	{"Query", "nextPhoto"}:                plus(priceNext),
	{"Subscription", "photoStats"}:        plus(priceSubscrip),
	{"Mutation", "startAnonymousSession"}: plus(priceMutation),
	{"Mutation", "signUp"}:                plus(priceHashing),
	{"Mutation", "signIn"}:                plus(priceHashing),
	{"Mutation", "refreshSession"}:        plus(priceMutation),
	{"Mutation", "uploadPhoto"}:           plus(priceUpload),
	{"Mutation", "setPhotoVisibility"}:    plus(priceMutation),
	{"Mutation", "deletePhoto"}:           plus(priceMutation),
	{"Mutation", "castVote"}:              plus(priceMutation),
	{"Mutation", "skipPhoto"}:             plus(priceMutation),
	{"Mutation", "setDegradation"}:        plus(priceMutation),
	{"Mutation", "reportPhoto"}:           plus(priceMutation),
	{"Mutation", "moderatePhoto"}:         plus(priceMutation),
	{"Mutation", "confirmPhotoConsent"}:   plus(priceMutation),
	{"Mutation", "changePassword"}:        plus(priceHashing),
	{"Mutation", "requestPasswordReset"}:  plus(priceMutation),
	{"Mutation", "resetPassword"}:         plus(priceHashing),
	{"Mutation", "deleteAccount"}:         plus(priceHashing),
	{"Mutation", "createApiKey"}:          plus(priceMutation),
	{"Mutation", "revokeApiKey"}:          plus(priceMutation),
	{"Mutation", "signOut"}:               plus(priceMutation),
	{"Mutation", "signOutOtherSessions"}:  plus(priceMutation),
	{"Mutation", "exportMyData"}:          plus(priceMutation),
	{"Subscription", "myPhotoActivity"}:   plus(priceSubscrip),
}

// complexity is the price of typ.field with a selection costing child:
// argFree's, else the schema's complexity function's with the arguments
// args returns (called only then); false for a field neither prices.
func complexity(ctx context.Context, es graphql.ExecutableSchema, typ, field string, child int, args func() map[string]any) (int, bool) {
	if p, ok := argFree[fieldName{typ, field}]; ok {
		return p(child), true
	}
	return es.Complexity(ctx, typ, field, child, args())
}

// units is the price of a string of up to n bytes with its key.
func units(n int) int { return (n + unitBytes + unitBytes - 1) / unitBytes }

// longest is the length of the longest text of the survey's questions.
func longest(qs []*ent.Question, text func(*ent.Question) string) int {
	n := 0
	for _, q := range qs {
		n = max(n, len(text(q)))
	}
	return n
}

// fixed prices a field at p whatever it selects (a scalar).
func fixed(p int) func(int) int { return func(int) int { return p } }

// plus prices a field at p plus its selection.
func plus(p int) func(int) int { return func(child int) int { return satAdd(p, child) } }

// wordBound is the most words a question's statistics show.
func wordBound(q *ent.Question) int {
	if judging.HistogramBound(q) == 0 { // WORD
		return judging.MaxWords
	}
	return 0
}

// spread is the total of bound over the survey's questions, divided among
// them (rounded up): the items one QuestionStats holds on average.
func spread(qs []*ent.Question, bound func(*ent.Question) int) int {
	total := 0
	for _, q := range qs {
		total += bound(q)
	}
	return (total + max(len(qs), 1) - 1) / max(len(qs), 1)
}

// satAdd and satMul saturate at math.MaxInt instead of overflowing, so no
// document can wrap its price round to a small one; negatives count as 0.
func satAdd(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// costLimit prices each operation (see the table above) and refuses one
// priced over Limit before anything runs. It records the price where
// extension.GetComplexityStats finds it, as gqlgen's ComplexityLimit does.
type costLimit struct {
	Limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &costLimit{}

func (*costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	p := price(ctx, c.es, oc.Operation, oc.Variables)
	oc.Stats.SetExtension(complexityStats, &extension.ComplexityStats{Complexity: p, ComplexityLimit: c.Limit})
	if p > c.Limit {
		err := gqlerror.Errorf("the operation costs %d, more than the limit of %d: ask for fewer items or fields", p, c.Limit)
		err.Extensions = map[string]any{"code": codeComplexity, "cost": p, "limit": c.Limit}
		return err
	}
	return nil
}

// Price is what the cost model charges for the operation named name in
// query ("" for the only one) with vars, as this server prices it; an
// error when query does not parse or validate. For tests and tools that
// measure documents the server admits.
func (s *Server) Price(query, name string, vars map[string]any) (int, error) {
	cfg := graph.Config{Resolvers: &graph.Resolver{}}
	setComplexity(&cfg.Complexity, s.prices())
	es := graph.NewExecutableSchema(cfg)
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil)
	if errs != nil {
		return 0, errs
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		return 0, fmt.Errorf("no operation %q", name)
	}
	return price(context.Background(), es, op, vars), nil
}

// prices are this server's prices. A server without judging or photos
// (some tests build one) prices an empty survey and bare keys.
func (s *Server) prices() prices {
	p := prices{MaxPage: s.cfg.MaxPageSize, Survey: func() []*ent.Question { return nil }, URLBytes: imageKeyBytes}
	if s.judging != nil {
		p.Survey = s.judging.Survey.Active
	}
	if s.photos != nil {
		p.URLBytes = s.photos.MaxURLBytes()
	}
	return p
}

// codeComplexity is the code of an operation refused for its price.
const codeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"

// price is the price of op (validated against es's schema) with vars.
func price(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any) int {
	w := pricer{ctx: ctx, es: es, schema: es.Schema(), vars: vars, memo: map[string]int{}}
	return w.set(op.SelectionSet)
}

// pricer walks an operation, pricing each fragment once (memo): fragments
// spreading each other twice over cannot make the walk explode.
type pricer struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	memo   map[string]int
}

func (w *pricer) set(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = satAdd(total, w.field(s))
		case *ast.InlineFragment:
			total = satAdd(total, w.set(s.SelectionSet))
		case *ast.FragmentSpread:
			p, ok := w.memo[s.Name]
			if !ok {
				w.memo[s.Name] = 0 // a cycle (validation refuses them) adds nothing
				if s.Definition != nil {
					p = w.set(s.Definition.SelectionSet)
				}
				w.memo[s.Name] = p
			}
			total = satAdd(total, p)
		}
	}
	return total
}

func (w *pricer) field(f *ast.Field) int {
	p := 1
	switch {
	case f.Name == "__schema":
		p = priceSchema
	case f.Name == "__type":
		p = priceType
	case f.Definition != nil && f.ObjectDefinition != nil:
		child := 0
		if def := w.schema.Types[f.Definition.Type.Name()]; def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union) {
			child = w.set(f.SelectionSet)
		}
		p = w.fieldPrice(f, child)
	}
	if f.Alias != "" && f.Alias != f.Name {
		p = satAdd(p, 1+len(f.Alias)/aliasBytes)
	}
	return p
}

// fieldPrice is f's price from the complexity functions, 1 plus its
// selection without one; a field of an interface costs what it costs on
// the dearest type implementing it.
//
// Unlike gqlgen's calculator, a function may price a field at 0: a part of
// an item its list already paid for (a histogram bucket's value).
func (w *pricer) fieldPrice(f *ast.Field, child int) int {
	var args map[string]any
	argMap := func() map[string]any { // once, and only for a function that reads them
		if args == nil {
			args = f.ArgumentMap(w.vars)
		}
		return args
	}
	types := []*ast.Definition{f.ObjectDefinition}
	if f.ObjectDefinition.Kind == ast.Interface {
		types = w.schema.GetPossibleTypes(f.ObjectDefinition)
	}
	p := 0
	for _, t := range types {
		q, ok := complexity(w.ctx, w.es, t.Name, f.Name, child, argMap)
		if !ok || q < 0 {
			q = satAdd(1, child)
		}
		p = max(p, q)
	}
	return p
}

// deref is *n, or 0 for nil.
func deref(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
