// When the judge page asks for the judge's karma again. Karma changes
// when the judge model's refit weighs the judge's votes (every few
// seconds, later under load) or settles what the votes on the judge's own
// photos spent, and when an anonymous judge's votes join an account;
// never with a vote itself: asked right after a vote, it would show what
// the earlier votes earned, as it does a little later. So after a vote the page asks for the karma alone (ViewerKarma:
// no count of the judge's votes, no account) and at most once every
// KARMA_REFRESH_MS, instead of the whole viewer after every vote: a
// request a vote less for a judge who judges faster than that.
export const KARMA_REFRESH_MS = 30_000;

/**
 * Whether a vote at now should ask for the karma, last asked for (or
 * read with the viewer) at last; both in ms. A clock set back counts as
 * due, so that a wrong last never holds the karma back for long.
 */
export function karmaDue(now: number, last: number, every: number = KARMA_REFRESH_MS): boolean {
  return now < last || now - last >= every;
}
