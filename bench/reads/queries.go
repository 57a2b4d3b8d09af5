package main

// What each side is asked, and what it reads, in one place: the aggregate
// tables may change (issue 16 point 2), and then only this file does.
//
// FaceStat answers photoQuery from its cache (Redis, as in production):
// the photo (photos row), its owner (users row) and its statistics (the
// photo's photo_question_stats rows, with vote_count from the photos row),
// from which it computes each question's weighted mean and credible
// interval. A cache miss would read those rows from PostgreSQL.
//
// PostGraphile cannot compute FaceStat's intervals: postgraphileQuery
// reads the same rows from PostgreSQL on every request, in one SQL
// statement: the photos row (the columns the FaceStat query shows, and
// is_public and status, which FaceStat checks before it shows a photo),
// the owner's users row (handle) and the photo's photo_question_stats
// rows with the columns FaceStat computes count, mean and interval from
// (count, sum, sum_sq and the judge model's w_* figures).

// photoQuery is FaceStat's document: a public photo with its owner and
// statistics (issue 16).
const photoQuery = `query Photo($id: ID!) { photo(id: $id) { id imageUrl width height createdAt owner { handle } ` +
	`stats { voteCount questions { count mean interval { low high } } } } }`

// typenameQuery is the smallest request, the floor a cached read is
// measured against.
const typenameQuery = `{ __typename }`

// postgraphileQuery is PostGraphile's equivalent of photoQuery, on the
// schema its amber preset makes of FaceStat's tables.
const postgraphileQuery = `query Photo($id: UUID!) { photoByRowId(rowId: $id) { rowId imageKey width height createdAt isPublic status voteCount ` +
	`userByOwnerId { handle } photoQuestionStatsByPhotoId { nodes { questionId count sum sumSq wWeight wNeff wMean wMeanSq } } } }`

// publicPhotosSQL lists the photos both sides are asked for: public and
// active, as anyone may see them.
const publicPhotosSQL = `SELECT id FROM photos WHERE is_public AND status = 'active' ORDER BY id`

// rowsSQL counts the rows one read of each photo covers, for the report.
const rowsSQL = `SELECT count(DISTINCT p.id), count(DISTINCT p.owner_id), count(s.*)
	FROM photos p LEFT JOIN photo_question_stats s ON s.photo_id = p.id
	WHERE p.is_public AND p.status = 'active'`

// The markers each answer must contain: a photo, not null and no errors.
var (
	facestatWant     = []byte(`"photo":{"id"`)
	postgraphileWant = []byte(`"photoByRowId":{"rowId"`)
	typenameWant     = []byte(`"__typename":"Query"`)
)
