package integration_test

import (
	"slices"
	"testing"

	"github.com/facestat/facestat/imageproc/imagetest"
)

// The judge model end to end (issue 13's acceptance): votes through
// GraphQL from the addresses the tests choose (a trusted proxy's
// X-Forwarded-For), the refit run by hand as its background job would,
// the figures read back through GraphQL.

// modelSettings trust the loopback proxy (so each judge can come from a
// network of its own), run the refit only when a test asks, and allow
// enough photos and sessions.
var modelSettings = withSettings(hostileSettings, map[string]string{
	"FACESTAT_REFIT_INTERVAL":    "1h",
	"FACESTAT_PHOTO_QUOTA":       "20",
	"FACESTAT_RATE_ANON_SESSION": "100000/1m",
})

// network returns an address in the n-th /24 of the test range: judges
// given different n come from different networks.
func network(n int) string { return nthIP(n * 256) }

// judgeFrom starts an anonymous session from ip.
func (e *env) judgeFrom(t *testing.T, ip string) string {
	t.Helper()
	var out struct{ StartAnonymousSession struct{ Token string } }
	e.do(t, request{Header: from(ip), Query: `mutation { startAnonymousSession { token } }`}).decode(t, &out)
	return out.StartAnonymousSession.Token
}

// rate casts a vote answering only the attractive question (1 to 10).
func (e *env) rate(t *testing.T, token, ip, photo string, attractive int) {
	t.Helper()
	e.voteFrom(t, token, ip, photo, []map[string]any{{"questionKey": "attractive", "number": attractive}})
}

func (e *env) voteFrom(t *testing.T, token, ip, photo string, answers []map[string]any) {
	t.Helper()
	r := e.do(t, request{Token: token, Header: from(ip), Query: `mutation($id: ID!, $a: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`, Vars: map[string]any{"id": photo, "a": answers}})
	if len(r.Errors) > 0 {
		t.Fatalf("castVote: %+v", r.Errors)
	}
}

// photos uploads n public photos of distinct images as owner.
func (e *env) photos(t *testing.T, owner string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(140+i, 140, 1, imagetest.TopLeft), true).decode(t, &up)
		ids[i] = up.UploadPhoto.Photo.ID
	}
	return ids
}

// refit runs rounds of the judge model until one finds no new vote and
// changes nothing, then recomputes the standings. A round recomputes
// rather than adds, a vote is new to one round only, and a round that
// changed something hands its judges and photos to the next, so the
// rounds settle at the model's fixed point: failing to within ten, or
// settling without ever weighing a photo, is a defect.
func (e *env) refit(t *testing.T) {
	t.Helper()
	settled, weighed, changed := false, 0, []int{}
	for range 10 {
		rep, err := e.App.Judging.Refit(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		weighed += rep.Photos
		changed = append(changed, rep.Changed)
		if settled = rep.Votes == 0 && !rep.Again; settled {
			break
		}
	}
	t.Logf("refit rounds: photos changed %v", changed)
	if !settled || weighed == 0 {
		t.Errorf("ten rounds of the refit did not settle (settled %v, %d photos weighed)", settled, weighed)
	}
	if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
}

type modelFigures struct {
	Count          int
	Mean           *float64
	AdjustedMean   *float64
	EffectiveCount float64
	Interval       *struct{ Low, High float64 }
}

// attractive reads a photo's figures for the attractive question as token.
func (e *env) attractive(t *testing.T, token, photo string) modelFigures {
	t.Helper()
	var out struct {
		Photo struct {
			Stats struct {
				Questions []struct {
					Question struct{ Key string }
					modelFigures
				}
			}
		}
	}
	e.gql(t, token, `query($id: ID!) { photo(id: $id) { stats { questions { question { key }
		count mean adjustedMean effectiveCount interval { low high } } } } }`, map[string]any{"id": photo}, &out)
	for _, q := range out.Photo.Stats.Questions {
		if q.Question.Key == "attractive" {
			return q.modelFigures
		}
	}
	t.Fatalf("no attractive question in %+v", out)
	return modelFigures{}
}

// TestAdjustedMeanRemovesHabits: ten harsh judges (3 below the truth) and
// ten lenient ones (3 above) rate four shared photos; a photo of quality 8
// rated only by the harsh (raw 5) ends with a higher adjustedMean than a
// photo of quality 4 rated only by the lenient (raw 7).
func TestAdjustedMeanRemovesHabits(t *testing.T) {
	backends(t, modelSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		ids := e.photos(t, owner, 6)
		shared, good, poor := ids[:4], ids[4], ids[5]
		truth := []int{4, 5, 6, 7}
		for j := range 20 {
			offset, own, quality := -3, good, 8
			if j%2 == 1 {
				offset, own, quality = 3, poor, 4
			}
			ip := network(j + 1)
			token := e.judgeFrom(t, ip)
			for i, p := range shared {
				e.rate(t, token, ip, p, truth[i]+offset)
			}
			e.rate(t, token, ip, own, quality+offset)
		}
		e.refit(t)
		g, p := e.attractive(t, owner, good), e.attractive(t, owner, poor)
		if g.Mean == nil || p.Mean == nil || !(*g.Mean < *p.Mean) {
			t.Fatalf("raw premise: the good photo's mean %v should be below the poor one's %v", g.Mean, p.Mean)
		}
		if g.AdjustedMean == nil || p.AdjustedMean == nil {
			t.Fatalf("no adjustedMean after the refit: %+v %+v", g, p)
		}
		t.Logf("quality 8 by harsh judges: mean %.2f adjusted %.2f; quality 4 by lenient judges: mean %.2f adjusted %.2f",
			*g.Mean, *g.AdjustedMean, *p.Mean, *p.AdjustedMean)
		if !(*g.AdjustedMean > *p.AdjustedMean) {
			t.Errorf("adjustedMean of the quality-8 photo %.2f is not above the quality-4 photo's %.2f", *g.AdjustedMean, *p.AdjustedMean)
		}
		for _, f := range []modelFigures{g, p} {
			if f.Interval == nil || f.Interval.Low < 1 || f.Interval.High > 10 || !(f.Interval.Low < f.Interval.High) {
				t.Errorf("interval %+v outside the scale or empty", f.Interval)
			}
			if !(f.EffectiveCount > 0 && f.EffectiveCount <= float64(f.Count)) {
				t.Errorf("effectiveCount %v outside (0, count %d]", f.EffectiveCount, f.Count)
			}
		}
	})
}

// TestStuffingDoesNotTopTheList: fifteen established judges from distinct
// networks averaging 7 on photo A, against twenty-five new sessions from
// one address giving 10 to photo X: A ranks above X in topPhotos. The
// stuffers' votes are all still stored and counted raw.
func TestStuffingDoesNotTopTheList(t *testing.T) {
	backends(t, modelSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		ids := e.photos(t, owner, 6)
		a, x, fillers := ids[0], ids[1], ids[2:]
		e.establishedJudges(t, a, fillers)
		stuffer := network(200)
		for range 25 {
			e.rate(t, e.judgeFrom(t, stuffer), stuffer, x, 10)
		}
		e.refit(t)
		order := e.topOrder(t)
		ia, ix := slices.Index(order, a), slices.Index(order, x)
		if ia < 0 || (ix >= 0 && ix < ia) {
			t.Fatalf("top list %v: A at %d, X at %d; want A above X", order, ia, ix)
		}
		fa, fx := e.attractive(t, owner, a), e.attractive(t, owner, x)
		t.Logf("A: count %d mean %.2f effective %.2f interval %+v; X: count %d mean %.2f effective %.2f interval %+v",
			fa.Count, *fa.Mean, fa.EffectiveCount, fa.Interval, fx.Count, *fx.Mean, fx.EffectiveCount, fx.Interval)
		if fx.Count != 25 {
			t.Errorf("X counts %d answers, want all 25 stored", fx.Count)
		}
		if !(fx.EffectiveCount < fa.EffectiveCount) {
			t.Errorf("the stuffed photo rests on %.2f effective answers, A on %.2f", fx.EffectiveCount, fa.EffectiveCount)
		}
	})
}

// TestKarmaRewardsCare: a careful judge (varied answers, a photo every
// half minute) earns more karma than a careless one (the same answer to
// everything, a vote a moment) casting the same number of votes, and an
// anonymous judge keeps its karma when it signs up.
func TestKarmaRewardsCare(t *testing.T) {
	backends(t, modelSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		ids := e.photos(t, owner, 8)
		careful, careless := e.judgeFrom(t, network(1)), e.judgeFrom(t, network(2))
		for i, p := range ids {
			e.voteFrom(t, careful, network(1), p, answers(20+5*i, 1+(i*3)%10, i%2 == 0, "calm"))
			e.voteFrom(t, careless, network(2), p, answers(50, 5, true, "ok"))
		}
		// The careful judge took its time: its votes, stored a moment apart
		// by the test, are spread half a minute apart as a person's are.
		if n := e.spreadVotes(t, e.judgeUUID(t, careful)); n != len(ids) {
			t.Fatalf("the careful judge's votes: %d", n)
		}
		e.refit(t)
		kc, kl := e.karma(t, careful), e.karma(t, careless)
		t.Logf("karma: careful %d, careless %d", kc, kl)
		if !(kc > kl) {
			t.Errorf("the careful judge's karma %d is not above the careless one's %d", kc, kl)
		}
		var up struct{ SignUp struct{ Token string } }
		e.gql(t, careful, `mutation { signUp(input: {handle: "careful", email: "careful@example.com", password: "correct horse battery"}) { token } }`, nil, &up)
		if got := e.karma(t, up.SignUp.Token); got != kc {
			t.Errorf("karma after signing up: %d, want the %d earned anonymously", got, kc)
		}
	})
}
