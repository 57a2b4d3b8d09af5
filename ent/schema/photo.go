package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Photo is an uploaded face photo: a normalised JPEG and its thumbnail in
// the blob store under content-addressed keys. Its id is a random UUID, so
// photo ids cannot be guessed.
type Photo struct {
	ent.Schema
}

// Fields of the Photo.
func (Photo) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		// ImageKey and ThumbKey change with ImageVersion: making a photo
		// private or public moves its images to new keys (under the private
		// prefix for private and hidden photos), so an old URL stops working.
		field.String("image_key").MaxLen(200),
		field.String("thumb_key").MaxLen(200),
		field.Int("image_version").Default(0),
		field.Int("width").Positive().Immutable(),
		field.Int("height").Positive().Immutable(),
		field.Int("thumb_width").Positive().Immutable(),
		field.Int("thumb_height").Positive().Immutable(),
		// IsPublic photos are listed; private ones (the default) are only judged.
		field.Bool("is_public").Default(false),
		// Status is hidden when moderation takes a photo out of circulation.
		field.Enum("status").Values("active", "hidden").Default("active"),
		field.Time("created_at").Default(now).Immutable(),
		// VoteCount counts the photo's votes; StatsVersion grows with every
		// change of its statistics (clients merge live updates by it).
		field.Int("vote_count").Default(0).NonNegative(),
		// VoteTier is the vote count as nextPhoto orders by it: exact
		// below 16, then four tiers per doubling (photos.VoteTier). It
		// changes rarely, so that the vote path's UPDATE of the counters,
		// whose columns no index holds, is mostly a HOT update on
		// PostgreSQL (no new index entries, no dead index rows).
		field.Int("vote_tier").Default(0).NonNegative(),
		field.Int64("stats_version").Default(0),
		field.Time("stats_updated_at").Optional().Nillable(),
		// OwnerNetwork is the uploader's network (clientaddr.Network); votes
		// from it count nothing toward the photo's weighted figures.
		field.String("owner_network").Optional().MaxLen(64).Immutable(),
		// FittedVersion is the stats version the judge model last weighed
		// the photo's votes at (judging's refit). FitDue is when the
		// photo's votes first changed since (nil: weighed since its last
		// vote): set by the first vote after a refit, cleared by the refit
		// that weighs them, so that it changes once per refit, not per vote.
		field.Int64("fitted_version").Default(0),
		field.Time("fit_due").Optional().Nillable(),
		// JudgeQueue orders nextPhoto before the vote count: 0 for photos
		// served first (under the free votes, or an owner with karma), 1 for
		// photos whose owner has run out of karma. The refit keeps it.
		field.Int("judge_queue").Default(0),
		// The uploader's consent, as given at upload (or confirmed later):
		// the photo shows them, they are an adult, they accept that
		// strangers judge it; ConsentedAt is when (nil: never given).
		field.Bool("consent_shows_me").Default(false),
		field.Bool("consent_adult").Default(false),
		field.Bool("consent_accepts_judging").Default(false),
		field.Time("consented_at").Optional().Nillable(),
		// Moderation: ReportedAt is when the photo's first open report
		// arrived (nil: no open report), which puts it in the moderation
		// queue; CountedReports counts its open counted reports; a counted
		// MINOR report sets ReviewPriority (top of the queue). A RESTORE
		// clears all three.
		field.Time("reported_at").Optional().Nillable(),
		field.Int("counted_reports").Default(0),
		field.Bool("review_priority").Default(false),
	}
}

// Edges of the Photo.
func (Photo) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("photos").Field("owner_id").Unique().Required().Immutable(),
		edge.To("votes", Vote.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("question_stats", PhotoQuestionStat.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("answer_counts", PhotoAnswerCount.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("words", PhotoWord.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("skips", PhotoSkip.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("reports", PhotoReport.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("servings", PhotoServing.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Photo.
func (Photo) Indexes() []ent.Index {
	return []ent.Index{
		// Public listings, newest first, paginated by (created_at, id).
		index.Fields("is_public", "status", "created_at", "id"),
		// A user's photos, newest first.
		index.Fields("owner_id", "created_at", "id"),
		// nextPhoto: active photos, by karma queue, least judged first
		// (by vote tier, not the vote count, which every vote changes).
		index.Fields("status", "judge_queue", "vote_tier", "id"),
		// The refit's work list: photos whose votes changed since it last
		// weighed them, longest waiting first (a partial index: the rest of
		// the table is not in it).
		index.Fields("fit_due", "id").Annotations(entsql.IndexWhere("fit_due IS NOT NULL")),
		// The moderation queue: reported photos, priority first, then
		// hidden ones, then oldest report first.
		index.Fields("review_priority", "status", "reported_at", "id").Annotations(entsql.IndexWhere("reported_at IS NOT NULL")),
	}
}
