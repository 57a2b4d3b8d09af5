// Package moderation holds the rules of reports and moderation
// (docs/MODERATION.md): which reports count toward hiding a photo, when a
// photo is hidden pending review, the moderators' queue and actions, and
// the append-only moderation log. The photos table is written through
// package photos, sessions and bans through identity, skips through
// judging; who may do what is asked of authz.
package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photoreport"
	"github.com/facestat/facestat/ent/photoserving"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/ratelimit"
)

// MaxNote is the longest note of a report or a moderator's action, in
// characters.
const MaxNote = 500

// MaxQueueReports is the most open reports a queue item lists.
const MaxQueueReports = 20

// Config holds the rules' numbers.
type Config struct {
	// Threshold is the number of counted open reports that hide a photo.
	Threshold int
	// Established is the number of photos a reporter must have judged for
	// the report to count (the judge model's established-judge).
	Established int
}

// Deps are what the Service works with.
type Deps struct {
	Client     *ent.Client
	Photos     *photos.Service
	Judging    *judging.Service
	Identity   *identity.Service
	RateLimits *ratelimit.Policy
	Log        *slog.Logger
}

// Service applies the rules.
type Service struct {
	client   *ent.Client
	photos   *photos.Service
	judging  *judging.Service
	identity *identity.Service
	limits   *ratelimit.Policy
	log      *slog.Logger
	cfg      Config
}

// NewService returns the moderation service, and makes moderation_entries
// append-only for every writer through client (see appendOnly).
func NewService(d Deps, cfg Config) *Service {
	d.Client.ModerationEntry.Use(appendOnly)
	return &Service{client: d.Client, photos: d.Photos, judging: d.Judging, identity: d.Identity,
		limits: d.RateLimits, log: d.Log, cfg: cfg}
}

// now is the time stored with reports and log entries, at the precision
// PostgreSQL keeps (so that a cursor's time compares equal on both
// backends).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Reason is why a photo is reported (photo_reports.reason).
type Reason = photoreport.Reason

// checkNote bounds a note: at most MaxNote characters.
func checkNote(field, note string) error {
	if utf8.RuneCountInString(note) > MaxNote {
		return facestat.InputError(field, facestat.ReasonTooLong, "a note has at most %d characters", MaxNote)
	}
	return nil
}

// Report files v's report of the photo id, and skips the photo for v.
// Whether it counts toward hiding the photo is decided here
// (docs/MODERATION.md): its reporter was shown the photo (served by
// nextPhoto, voted on it, or may see it as a public photo), is an
// established judge, and shares no network with another counted open
// report of the photo. Once Threshold reports count, or at once for a
// counted MINOR report, the photo is hidden pending review. The photo's
// row is locked while deciding, so two reports at once cannot both miss
// the threshold. Errors: UNAUTHENTICATED without a session;
// BAD_USER_INPUT (input.note, TOO_LONG); RATE_LIMITED per session and per
// client address; NOT_FOUND for a photo v may neither view nor judge;
// FORBIDDEN for one's own; CONFLICT for a second report of the photo by v.
func (s *Service) Report(ctx context.Context, v *identity.Viewer, id uuid.UUID, reason Reason, note string) error {
	if err := checkNote("input.note", note); err != nil {
		return err
	}
	if v == nil {
		return authz.CanReport(v, authz.Photo{})
	}
	if err := s.limits.Report(ctx, v.ID); err != nil {
		return err
	}
	p, err := s.photos.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := authz.CanReport(v, photos.FactsOf(p)); err != nil {
		return err
	}
	if v.Anonymous { // a report is stored under the judge's row
		if err := s.judging.AdmitJudge(ctx, v.ID); err != nil {
			return err
		}
	}
	// What counting needs from outside the photo's row, read before the
	// row is locked.
	shown, err := s.shown(ctx, v.ID, p)
	if err != nil {
		return err
	}
	votes, err := s.judging.VotesCast(ctx, v.ID)
	if err != nil {
		return fmt.Errorf("moderation: counting votes: %w", err)
	}
	network := clientaddr.Network(clientaddr.From(ctx))
	at := now()
	var hidden *ent.Photo
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := authz.CanReport(v, photos.FactsOf(p)); err != nil { // hidden meanwhile
			return err
		}
		counted := shown && votes >= s.cfg.Established && network != ""
		if counted {
			shared, err := tx.PhotoReport.Query().Where(photoreport.PhotoID(id), photoreport.Counted(true),
				photoreport.ResolvedAtIsNil(), photoreport.Network(network)).Exist(ctx)
			if err != nil {
				return err
			}
			counted = !shared
		}
		c := tx.PhotoReport.Create().SetPhotoID(id).SetReporterID(v.ID).SetReason(reason).
			SetNetwork(network).SetCounted(counted).SetCreatedAt(at)
		if note != "" {
			c.SetNote(note)
		}
		if err := c.Exec(ctx); err != nil {
			if ent.IsConstraintError(err) {
				return facestat.Errorf(facestat.Conflict, "you have reported this photo already")
			}
			return err
		}
		effect := photos.ReportEffect{Counted: counted, Priority: counted && reason == photoreport.ReasonMinor}
		effect.Hide = counted && (effect.Priority || p.CountedReports+1 >= s.cfg.Threshold)
		if p, err = s.photos.ApplyReport(ctx, tx, p, effect, at); err != nil {
			return err
		}
		if effect.Hide {
			hidden = p
		}
		return s.judging.SkipIn(ctx, tx, v.ID, id)
	})
	if err != nil {
		return err
	}
	if hidden != nil {
		// A hidden photo's images move under the private prefix, so the
		// URLs strangers were given stop working; a failure leaves the
		// move to the photos' sweep, and the report stands.
		if err := s.photos.SyncImageKeys(context.WithoutCancel(ctx), id); err != nil {
			s.log.ErrorContext(ctx, "moving a hidden photo's images", "photo", id, "err", err)
		}
		s.log.InfoContext(ctx, "photo hidden pending review", "photo", id, "counted_reports", hidden.CountedReports,
			"priority", hidden.ReviewPriority)
	}
	return nil
}

// lock locks the photo id's row within tx and returns it; NOT_FOUND when
// it is gone.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Photo, error) {
	rows, err := s.photos.Lock(ctx, tx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if rows[id] == nil {
		return nil, facestat.Errorf(facestat.NotFound, "no such photo")
	}
	return rows[id], nil
}

// shown reports whether judge was shown p: p is public and active (anyone
// may see it), or nextPhoto served it to judge (photo_servings), or judge
// voted on it.
func (s *Service) shown(ctx context.Context, judge uuid.UUID, p *ent.Photo) (bool, error) {
	if authz.Listed(photos.FactsOf(p)) {
		return true, nil
	}
	served, err := s.client.PhotoServing.Query().
		Where(photoserving.JudgeID(judge), photoserving.PhotoID(p.ID)).Exist(ctx)
	if err != nil || served {
		return served, err
	}
	voted, err := s.judging.VotedOn(ctx, judge, []uuid.UUID{p.ID})
	return voted[p.ID], err
}

// Action is a moderator's action (moderation_entries.action).
type Action = moderationentry.Action

// Outcome is what Moderate did: the log entry, and the photo after a
// RESTORE (nil when it was removed).
type Outcome struct {
	Entry *ent.ModerationEntry
	Photo *ent.Photo
}

// Moderate applies a moderator's action to the photo id and appends it to
// the moderation log in the same transaction:
//   - RESTORE shows the photo again and resolves its open reports (they no
//     longer count); it leaves the queue.
//   - REMOVE deletes the photo as deletePhoto does (rows, then image files).
//   - BAN_OWNER deletes every photo of the owner, bans the account (it can
//     no longer sign in; its sessions end; its e-mail cannot sign up
//     again). A moderator cannot ban themselves, nor another moderator or
//     an admin (take the role away first).
//
// Errors: UNAUTHENTICATED without an account; FORBIDDEN for others than
// moderators, and for a ban refused as above; BAD_USER_INPUT (input.note,
// TOO_LONG); NOT_FOUND for a photo that does not exist.
func (s *Service) Moderate(ctx context.Context, v *identity.Viewer, id uuid.UUID, action Action, note string) (*Outcome, error) {
	if err := authz.CanModerate(v); err != nil {
		return nil, err
	}
	if err := checkNote("input.note", note); err != nil {
		return nil, err
	}
	if err := moderationentry.ActionValidator(action); err != nil {
		return nil, facestat.InputError("input.action", facestat.ReasonInvalid, "unknown action")
	}
	at := now()
	out := &Outcome{}
	var gone []*ent.Photo
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		actor, err := tx.User.Get(ctx, v.ID)
		if err != nil {
			return fmt.Errorf("moderation: reading the moderator: %w", err)
		}
		switch action {
		case moderationentry.ActionRestore:
			if out.Photo, err = s.photos.Restore(ctx, tx, id); err != nil {
				return err
			}
			err = tx.PhotoReport.Update().Where(photoreport.PhotoID(id), photoreport.ResolvedAtIsNil()).
				SetResolvedAt(at).Exec(ctx)
		case moderationentry.ActionRemove:
			gone, err = s.photos.DeleteIn(ctx, tx, v, []uuid.UUID{id})
		case moderationentry.ActionBanOwner:
			gone, err = s.banOwner(ctx, tx, v, p.OwnerID, at)
		}
		if err != nil {
			return err
		}
		c := tx.ModerationEntry.Create().SetActorID(v.ID).SetNillableActorHandle(actor.Handle).SetAction(action).
			SetPhotoID(id).SetOwnerID(p.OwnerID).SetCreatedAt(at)
		if note != "" {
			c.SetNote(note)
		}
		out.Entry, err = c.Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.photos.AfterDelete(ctx, gone)
	if out.Photo != nil { // restored: its images move back to its visibility's keys
		if err := s.photos.SyncImageKeys(context.WithoutCancel(ctx), id); err != nil {
			s.log.ErrorContext(ctx, "moving a restored photo's images", "photo", id, "err", err)
		}
	}
	s.log.InfoContext(ctx, "moderator acted", "action", action, "photo", id, "moderator", v.ID, "photos_removed", len(gone))
	return out, nil
}

// banOwner deletes every photo of owner and bans the account, within tx.
func (s *Service) banOwner(ctx context.Context, tx *ent.Tx, v *identity.Viewer, owner uuid.UUID, at time.Time) ([]*ent.Photo, error) {
	if owner == v.ID {
		return nil, facestat.Errorf(facestat.Forbidden, "you cannot ban yourself")
	}
	u, err := tx.User.Get(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("moderation: reading the owner: %w", err)
	}
	if r := identity.Role(u.Role); r == identity.RoleModerator || r == identity.RoleAdmin {
		return nil, facestat.Errorf(facestat.Forbidden, "a moderator or admin cannot be banned; revoke the role first")
	}
	// The ban first: on PostgreSQL it locks the owner's row, so an upload
	// of theirs that commits meanwhile is one the listing below finds.
	if err := s.identity.BanIn(ctx, tx, owner, at); err != nil {
		return nil, err
	}
	ids, err := s.photos.OwnedIn(ctx, tx, owner)
	if err != nil {
		return nil, err
	}
	return s.photos.DeleteIn(ctx, tx, v, ids)
}

// appendOnly is the hook on moderation_entries that keeps the log
// append-only for every writer through ent (the only guard on SQLite; on
// PostgreSQL a trigger refuses the same to any client): rows are never
// deleted, and an update may change only actor_id, actor_handle and
// owner_id (the tombstone of a deleted account).
func appendOnly(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		switch {
		case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
			return nil, errAppendOnly
		case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
			for _, f := range append(m.Fields(), m.ClearedFields()...) {
				switch f {
				case moderationentry.FieldActorID, moderationentry.FieldActorHandle, moderationentry.FieldOwnerID:
				default:
					return nil, errAppendOnly
				}
			}
		}
		return next.Mutate(ctx, m)
	})
}

// errAppendOnly refuses a change of the moderation log.
var errAppendOnly = errors.New("moderation: the moderation log is append-only (only actor_id, actor_handle and owner_id may be tombstoned)")
