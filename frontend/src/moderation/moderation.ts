// Moderation in words: the actions, what each does, and what to tell a
// moderator whose action was refused (by extensions.code).
import type { ModerationAction } from '../gql/graphql';
import { retryText, throttledText, type Refusal } from '../graphql/errors';

export const ACTIONS: readonly {
  value: ModerationAction;
  label: string;
  done: string;
  /** Destructive: asks for a confirmation first. */
  confirm?: string;
}[] = [
  { value: 'RESTORE', label: 'Restore', done: 'restored' },
  {
    value: 'REMOVE',
    label: 'Remove photo',
    done: 'removed',
    confirm: 'Remove this photo for good? Its image, votes and results are deleted, as if its owner deleted it.',
  },
  {
    value: 'BAN_OWNER',
    label: 'Ban owner',
    done: 'banned the owner of',
    confirm:
      'Ban the owner? All their photos are removed, they are signed out everywhere, and their e-mail cannot sign up again.',
  },
];

export function actionLabel(a: ModerationAction): string {
  return ACTIONS.find((x) => x.value === a)?.label ?? a;
}

/** The log's verb for an action, before "photo …": "restored", "removed", "banned the owner of". */
export function actionDone(a: ModerationAction): string {
  return ACTIONS.find((x) => x.value === a)?.done ?? a.toLowerCase();
}

export function moderationProblem(r: Refusal): string {
  if (r.network) return 'Cannot reach FaceStat. Check your connection and try again.';
  switch (r.code) {
    case 'FORBIDDEN':
      if (r.reason === 'CSRF_TOKEN_INVALID') return 'The page is out of date. Reload it and try again.';
      return 'You may not do this: only moderators act on reports, and nobody can ban themselves, a moderator or an admin (an operator revokes the role first).';
    case 'NOT_FOUND':
      return 'This photo is gone already (its owner or another moderator deleted it).';
    case 'CONFLICT':
      return 'Another moderator acted on this photo already. Reload the queue.';
    case 'BAD_USER_INPUT':
      if (r.reason === 'TOO_LONG') return 'A note has at most 500 characters.';
      return r.message ? `Check the form: ${r.message}` : 'Check the form.';
    case 'UNAUTHENTICATED':
      return 'Your session ran out. Sign in again.';
    case 'RATE_LIMITED':
    case 'UNAVAILABLE':
      return `FaceStat is busy right now. ${retryText(r.retryAfter)}`;
    case 'THROTTLED':
      return throttledText(r.retryAfter);
    default:
      return r.message || 'Something went wrong. Try again.';
  }
}
