package account

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoreport"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/stats"
)

// The ZIP of an export (docs/PRIVACY.md, "Your data"):
//
//	account.json            the profile, the consent given for each photo,
//	                        the sessions (never their tokens) and the
//	                        reports filed
//	photos/<id>.jpg         each photo's image, as stored
//	photos/<id>.json        the photo's fields and statistics, as its
//	                        owner sees them
//	votes.json              every vote the account cast

// votePage is how many votes are read at once.
const votePage = 1000

type accountFile struct {
	Profile  profileJSON   `json:"profile"`
	Consents []consentJSON `json:"consents"`
	Sessions []sessionJSON `json:"sessions"`
	Reports  []reportJSON  `json:"reports"`
	Exported time.Time     `json:"exported_at"`
}

type profileJSON struct {
	ID        uuid.UUID `json:"id"`
	Handle    *string   `json:"handle"`
	Email     *string   `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	Role      string    `json:"role"`
	Karma     int64     `json:"karma"`
}

type consentJSON struct {
	PhotoID        uuid.UUID  `json:"photo_id"`
	ShowsMe        bool       `json:"shows_me"`
	Adult          bool       `json:"adult"`
	AcceptsJudging bool       `json:"accepts_judging"`
	ConsentedAt    *time.Time `json:"consented_at"`
}

type sessionJSON struct {
	CreatedAt        time.Time `json:"created_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	UserAgent        string    `json:"user_agent,omitempty"`
}

type reportJSON struct {
	PhotoID   uuid.UUID `json:"photo_id"`
	Reason    string    `json:"reason"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

type photoJSON struct {
	ID           uuid.UUID      `json:"id"`
	CreatedAt    time.Time      `json:"created_at"`
	Public       bool           `json:"public"`
	UnderReview  bool           `json:"under_review"`
	Width        int            `json:"width"`
	Height       int            `json:"height"`
	VoteCount    int            `json:"vote_count"`
	Consent      consentJSON    `json:"consent"`
	Image        string         `json:"image"`
	Statistics   []questionJSON `json:"statistics"`
	StatsAsOf    *time.Time     `json:"statistics_updated_at,omitempty"`
	StatsVersion int64          `json:"statistics_version"`
}

type questionJSON struct {
	Key            string              `json:"question"`
	Prompt         string              `json:"prompt"`
	Kind           string              `json:"kind"`
	Count          int64               `json:"count"`
	Mean           *float64            `json:"mean,omitempty"`
	Median         *float64            `json:"median,omitempty"`
	StdDev         *float64            `json:"std_dev,omitempty"`
	YesShare       *float64            `json:"yes_share,omitempty"`
	AdjustedMean   *float64            `json:"adjusted_mean,omitempty"`
	AdjustedShare  *float64            `json:"adjusted_share,omitempty"`
	EffectiveCount float64             `json:"effective_count"`
	Interval       *stats.Interval     `json:"interval_95,omitempty"`
	Histogram      []stats.Bucket      `json:"histogram,omitempty"`
	Words          []judging.WordCount `json:"words,omitempty"`
	Percentile     *float64            `json:"percentile,omitempty"`
	Stable         *bool               `json:"stable,omitempty"`
}

type voteJSON struct {
	PhotoID   uuid.UUID    `json:"photo_id"`
	Answers   []answerJSON `json:"answers"`
	CreatedAt time.Time    `json:"created_at"`
}

type answerJSON struct {
	Question string  `json:"question"`
	Number   *int    `json:"number,omitempty"`
	Yes      *bool   `json:"yes,omitempty"`
	Word     *string `json:"word,omitempty"`
}

// writeZip writes the export of account to w.
func (s *Service) writeZip(ctx context.Context, w io.Writer, account uuid.UUID) error {
	u, err := s.client.User.Get(ctx, account)
	if err != nil {
		return fmt.Errorf("reading the account: %w", err)
	}
	ps, err := s.photos.AllOf(ctx, account)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	if err := s.writeAccount(ctx, z, u, ps); err != nil {
		return err
	}
	for chunk := range slices.Chunk(ps, 100) {
		if err := s.writePhotos(ctx, z, chunk); err != nil {
			return err
		}
	}
	if err := s.writeVotes(ctx, z, account); err != nil {
		return err
	}
	return z.Close()
}

func consentOf(p *ent.Photo) consentJSON {
	return consentJSON{PhotoID: p.ID, ShowsMe: p.ConsentShowsMe, Adult: p.ConsentAdult,
		AcceptsJudging: p.ConsentAcceptsJudging, ConsentedAt: p.ConsentedAt}
}

func (s *Service) writeAccount(ctx context.Context, z *zip.Writer, u *ent.User, ps []*ent.Photo) error {
	out := accountFile{
		Profile: profileJSON{ID: u.ID, Handle: u.Handle, Email: u.Email, CreatedAt: u.CreatedAt, Role: string(u.Role), Karma: u.Karma},
		// Never empty arrays' null: a reader iterates them.
		Consents: []consentJSON{}, Sessions: []sessionJSON{}, Reports: []reportJSON{},
		Exported: s.now(),
	}
	for _, p := range ps {
		out.Consents = append(out.Consents, consentOf(p))
	}
	sessions, err := s.client.Session.Query().Where(session.UserID(u.ID)).Order(session.ByCreatedAt()).All(ctx)
	if err != nil {
		return fmt.Errorf("reading sessions: %w", err)
	}
	for _, r := range sessions {
		out.Sessions = append(out.Sessions, sessionJSON{CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
			RefreshExpiresAt: r.RefreshExpiresAt, UserAgent: r.UserAgent})
	}
	reports, err := s.client.PhotoReport.Query().Where(photoreport.ReporterID(u.ID)).Order(photoreport.ByCreatedAt()).All(ctx)
	if err != nil {
		return fmt.Errorf("reading reports: %w", err)
	}
	for _, r := range reports {
		out.Reports = append(out.Reports, reportJSON{PhotoID: r.PhotoID, Reason: string(r.Reason), Note: r.Note, CreatedAt: r.CreatedAt})
	}
	return writeJSON(z, "account.json", out)
}

func (s *Service) writePhotos(ctx context.Context, z *zip.Writer, ps []*ent.Photo) error {
	ids := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	aggs, err := s.judging.LoadAggregates(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		name := "photos/" + p.ID.String()
		if err := s.copyPhotoImage(ctx, z, name+".jpg", p); err != nil {
			return err
		}
		st := s.judging.Build(p, aggs[p.ID])
		facts := photos.FactsOf(p)
		pj := photoJSON{ID: p.ID, CreatedAt: p.CreatedAt, Public: facts.Public, UnderReview: !facts.Active,
			Width: p.Width, Height: p.Height, VoteCount: st.VoteCount, Consent: consentOf(p), Image: p.ID.String() + ".jpg",
			Statistics: []questionJSON{}, StatsAsOf: st.UpdatedAt, StatsVersion: st.Version}
		for _, q := range st.Questions {
			pj.Statistics = append(pj.Statistics, questionJSON{Key: q.Question.Key, Prompt: q.Question.Prompt, Kind: string(q.Question.Kind),
				Count: q.Count, Mean: q.Mean, Median: q.Median, StdDev: q.StdDev, YesShare: q.YesShare,
				AdjustedMean: q.AdjustedMean, AdjustedShare: q.AdjustedShare, EffectiveCount: q.EffectiveCount,
				Interval: q.Interval, Histogram: q.Histogram, Words: q.Words, Percentile: q.Percentile, Stable: q.Stable})
		}
		if err := writeJSON(z, name+".json", pj); err != nil {
			return err
		}
	}
	return nil
}

// copyPhotoImage copies p's image into the ZIP as name. When the image is
// no longer at the key p's row named (its images moved meanwhile: the
// photo was made private or public, hidden or restored, and
// photos.SyncImageKeys moved them), the row is read again and the image
// taken from where it is now; a photo deleted meanwhile keeps its JSON
// only.
func (s *Service) copyPhotoImage(ctx context.Context, z *zip.Writer, name string, p *ent.Photo) error {
	key := p.ImageKey
	for attempt := 0; ; attempt++ {
		f, err := s.openImage(ctx, key)
		if errors.Is(err, blob.ErrNotFound) && attempt < 5 {
			rows, err := s.photos.Fresh(ctx, []uuid.UUID{p.ID})
			if err != nil {
				return fmt.Errorf("reading photo %s: %w", p.ID, err)
			}
			now := rows[p.ID]
			if now == nil { // deleted meanwhile
				return nil
			}
			if now.ImageKey == key { // a move under way: its new key is not recorded yet
				time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
			}
			key = now.ImageKey
			continue
		}
		if err != nil {
			return err
		}
		return s.copyImage(ctx, z, name, f)
	}
}

// openImage opens the blob at key.
func (s *Service) openImage(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	f, _, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", key, err)
	}
	return f, nil
}

// copyImage streams f, which it closes, into the ZIP as name, stored as it
// is (a JPEG does not compress).
func (s *Service) copyImage(ctx context.Context, z *zip.Writer, name string, f io.ReadSeekCloser) error {
	defer f.Close()
	zw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: s.now()})
	if err != nil {
		return err
	}
	_, err = io.Copy(zw, f)
	return err
}

// writeVotes streams every vote of the judge into votes.json, a page at
// a time.
func (s *Service) writeVotes(ctx context.Context, z *zip.Writer, judge uuid.UUID) error {
	zw, err := z.CreateHeader(&zip.FileHeader{Name: "votes.json", Method: zip.Deflate, Modified: s.now()})
	if err != nil {
		return err
	}
	io.WriteString(zw, "[")
	var after int64
	first := true
	for {
		page, err := s.client.Vote.Query().Where(vote.JudgeID(judge), vote.IDGT(after)).Order(vote.ByID()).Limit(votePage).All(ctx)
		if err != nil {
			return fmt.Errorf("reading votes: %w", err)
		}
		for _, v := range page {
			vj := voteJSON{PhotoID: v.PhotoID, CreatedAt: v.CreatedAt, Answers: []answerJSON{}}
			for _, a := range v.Answers {
				key := fmt.Sprint(a.Question)
				if q, ok := s.judging.Survey.ByID(a.Question); ok {
					key = q.Key
				}
				vj.Answers = append(vj.Answers, answerJSON{Question: key, Number: a.Number, Yes: a.Yes, Word: a.Word})
			}
			b, err := json.Marshal(vj)
			if err != nil {
				return err
			}
			if !first {
				io.WriteString(zw, ",\n")
			}
			first = false
			if _, err := zw.Write(b); err != nil {
				return err
			}
		}
		if len(page) < votePage {
			break
		}
		after = page[len(page)-1].ID
	}
	_, err = io.WriteString(zw, "]\n")
	return err
}

func writeJSON(z *zip.Writer, name string, v any) error {
	zw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
