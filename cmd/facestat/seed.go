package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"math/rand/v2"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
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
			if _, err := a.Photos.Upload(ctx, v, &buf, int64(buf.Len()), public); err != nil {
				if facestat.ErrorCode(err) == facestat.BadUserInput {
					break // quota reached: enough photos for this account
				}
				return fmt.Errorf("uploading for %s: %w", handle, err)
			}
			made++
		}
	}
	fmt.Fprintf(stdout, "seeded %d accounts and %d photos\n", accounts, made)
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
