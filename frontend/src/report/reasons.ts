// Why a photo is reported, in plain words, and what to tell a judge whose
// report was refused (by extensions.code, never by message).
import type { ReportReason } from '../gql/graphql';
import { retryText, throttledText, type Refusal } from '../graphql/errors';

export const REPORT_REASONS: readonly { value: ReportReason; label: string; hint: string }[] = [
  { value: 'MINOR', label: 'Looks under 18', hint: 'The person shown may be a child or a teenager.' },
  { value: 'NUDITY', label: 'Nudity or sexual content', hint: '' },
  { value: 'HARASSMENT', label: 'Harassment or bullying', hint: 'Someone else’s face posted to mock them, a hateful picture.' },
  { value: 'SPAM', label: 'Spam or not a face', hint: 'An advert, text, an object, a meme.' },
  { value: 'OTHER', label: 'Something else', hint: 'Say what in the note.' },
];

/** The words moderators see for a reason. */
export function reasonLabel(r: ReportReason): string {
  return REPORT_REASONS.find((x) => x.value === r)?.label ?? r;
}

/** A note has at most this many characters (the server refuses longer ones). */
export const NOTE_MAX = 500;

/** Characters as the server counts them (code points, not UTF-16 units). */
export function noteLength(note: string): number {
  return [...note].length;
}

export function reportProblem(r: Refusal): string {
  if (r.network) return 'Cannot reach FaceStat. Check your connection and try again.';
  switch (r.code) {
    case 'CONFLICT':
      return 'You already reported this photo. Moderators will look at it.';
    case 'RATE_LIMITED':
      return `You sent many reports in a short time. ${retryText(r.retryAfter)}`;
    case 'THROTTLED':
      return throttledText(r.retryAfter);
    case 'NOT_FOUND':
      return 'This photo is gone: it was deleted or is no longer shown.';
    case 'BAD_USER_INPUT':
      if (r.reason === 'TOO_LONG') return `A note has at most ${NOTE_MAX} characters.`;
      return r.message ? `Check the report: ${r.message}` : 'Check the report.';
    case 'UNAUTHENTICATED':
      return 'Your session ran out. Reload the page and try again.';
    case 'UNAVAILABLE':
      return `FaceStat is busy right now. ${retryText(r.retryAfter)}`;
    case 'FORBIDDEN':
      if (r.reason === 'CSRF_TOKEN_INVALID') return 'The page is out of date. Reload it and try again.';
      return 'You cannot report your own photo.';
    default:
      return r.message || 'The report could not be sent. Try again.';
  }
}
