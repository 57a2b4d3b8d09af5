package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/seed"
)

// seedDemo creates demo accounts, each with synthetic face photos (generated
// pictures, not real people), some public and some private. Running it
// again adds nothing that exists already.
func seedDemo(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	users := fs.Int("users", 12, "demo accounts to create")
	perUser := fs.Int("photos", 3, "photos per demo account")
	randSeed := fs.Uint64("seed", 1, "random seed: the same seed makes the same faces")
	password := fs.String("password", "", "password of the demo accounts (default: a new random one, printed)")
	judges := fs.Int("judges", 40, "anonymous judges who vote")
	votesPerJudge := fs.Int("votes", 20, "votes per judge at most")
	// Settings first, then seed's own flags after "--".
	settings, own := splitArgs(args)
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, log, err := loadConfig(settings, getenv, stdout)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if *password == "" {
		// Never a published default: seed may be run against a shared server.
		b := make([]byte, 9)
		crand.Read(b)
		*password = base64.RawURLEncoding.EncodeToString(b)
	}
	rng := rand.New(rand.NewPCG(*randSeed, 2008))
	made, accounts := 0, 0
	for i := 1; i <= *users; i++ {
		handle := fmt.Sprintf("demo%02d", i)
		n, err := a.DB.User.Query().Where(user.Handle(handle)).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		ses, err := a.Identity.SignUp(ctx, handle, handle+"@demo.facestat.invalid", *password, nil)
		if err != nil {
			return fmt.Errorf("creating %s: %w", handle, err)
		}
		accounts++
		for j := 0; j < *perUser; j++ {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, seed.Face(rng, 800, 1000), &jpeg.Options{Quality: 90}); err != nil {
				return err
			}
			public := rng.IntN(3) > 0 // two in three public
			v := &identity.Viewer{ID: ses.Viewer.ID, Role: identity.RoleUser}
			if _, err := a.Photos.Upload(ctx, v, &buf, int64(buf.Len()), photos.UploadOptions{Public: public,
				Consent: &photos.Consent{ShowsMe: true, Adult: true, AcceptsJudging: true}}); err != nil {
				if facestat.ErrorCode(err) == facestat.BadUserInput {
					break // quota reached: enough photos for this account
				}
				return fmt.Errorf("uploading for %s: %w", handle, err)
			}
			made++
		}
	}
	votes := 0
	if made > 0 { // votes come with new photos: running seed again adds none
		if votes, err = seedVotes(ctx, a, *randSeed, *judges, *votesPerJudge); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "seeded %d accounts, %d photos and %d votes\n", accounts, made, votes)
	if accounts > 0 {
		fmt.Fprintf(stdout, "sign in as demoNN@demo.facestat.invalid (NN = 01..%02d) with password %s\n", *users, *password)
	}
	return nil
}

// splitArgs splits "settings -- seed flags".
func splitArgs(args []string) (settings, own []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

// seedFace is the hidden "true" face behind a demo photo: judges answer
// around it, so results look like a crowd's, spread but agreeing.
type seedFace struct {
	age, looks int
	traits     map[string]float64 // chance of a yes, per question
}

// seedVotes has anonymous judges vote through the real vote path,
// concurrently, so the ingester batches their votes.
func seedVotes(ctx context.Context, a *app.App, seed uint64, judges, perJudge int) (int, error) {
	var (
		mu    sync.Mutex
		faces = map[uuid.UUID]seedFace{}
		votes atomic.Int64
		wg    sync.WaitGroup
		errs  = make([]error, judges)
	)
	faceOf := func(id uuid.UUID, rng *rand.Rand) seedFace {
		mu.Lock()
		defer mu.Unlock()
		f, ok := faces[id]
		if !ok {
			f = seedFace{age: 18 + rng.IntN(50), looks: 3 + rng.IntN(6), traits: map[string]float64{}}
			for _, q := range a.Judging.Survey.Active() {
				f.traits[q.Key] = 0.15 + 0.7*rng.Float64()
			}
			faces[id] = f
		}
		return f
	}
	for j := range judges {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(j)))
			errs[j] = seedJudge(ctx, a, rng, perJudge, faceOf, &votes)
		})
	}
	wg.Wait()
	return int(votes.Load()), errors.Join(errs...)
}

var seedWords = []string{"friendly", "serious", "kind", "bright", "shy", "bold", "calm", "warm", "cheerful", "tired"}

// seedJudge has one new anonymous judge vote on up to perJudge photos.
func seedJudge(ctx context.Context, a *app.App, rng *rand.Rand, perJudge int, faceOf func(uuid.UUID, *rand.Rand) seedFace, votes *atomic.Int64) error {
	v := &identity.Viewer{ID: uuid.New(), Anonymous: true, Role: identity.RoleUser}
	for range perJudge {
		p, err := a.Judging.NextPhoto(ctx, v, nil)
		if err != nil || p == nil {
			return err
		}
		f := faceOf(p.ID, rng)
		var answers []judging.AnswerInput
		for _, q := range a.Judging.Survey.Active() {
			in := judging.AnswerInput{QuestionKey: q.Key}
			switch string(q.Kind) {
			case "NUMBER":
				in.Number = ptr(clamp(f.age+int(rng.NormFloat64()*6), deref(q.Min), deref(q.Max)))
			case "SCALE":
				in.Number = ptr(clamp(f.looks+int(rng.NormFloat64()*1.5), deref(q.Min), deref(q.Max)))
			case "YES_NO":
				in.Yes = ptr(rng.Float64() < f.traits[q.Key])
			case "WORD":
				in.Word = ptr(seedWords[(f.looks+rng.IntN(3))%len(seedWords)])
			}
			answers = append(answers, in)
		}
		if _, err := a.Judging.CastVote(ctx, v, p.ID, answers); err != nil {
			return fmt.Errorf("voting: %w", err)
		}
		votes.Add(1)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }
