// API keys on /developers: what the page says about a refusal, and the
// scopes a new key asks for.
import type { Refusal } from '../graphql/errors';
import { retryText } from '../graphql/errors';

/** The most live keys an account may hold (identity.MaxLiveKeys). */
export const MAX_KEYS = 10;

/** The longest key name, in characters. */
export const MAX_KEY_NAME = 100;

/** The scopes createApiKey asks for: READ, and WRITE when chosen. */
export function scopesFor(write: boolean): ('READ' | 'WRITE')[] {
  return write ? ['READ', 'WRITE'] : ['READ'];
}

/** Checks a key's name before sending it; null when it is fine. */
export function checkKeyName(name: string): string | null {
  const n = [...name.trim()].length;
  if (n === 0) return 'Give the key a name, to tell it apart later.';
  if (n > MAX_KEY_NAME) return `A key's name has at most ${MAX_KEY_NAME} characters.`;
  return null;
}

/** What the page says when creating or revoking a key was refused. */
export function keyProblem(r: Refusal): string {
  if (r.network) return 'FaceStat could not be reached. Check your connection and try again.';
  switch (r.reason ?? r.code) {
    case 'TOO_MANY_KEYS':
      return `You have ${MAX_KEYS} keys already. Revoke one you no longer use first.`;
    case 'TOO_LONG':
      return `A key's name has at most ${MAX_KEY_NAME} characters.`;
    case 'INVALID':
      return 'Give the key a name, to tell it apart later.';
    case 'NOT_FOUND':
      return 'That key was revoked already.';
    case 'KEY_SCOPE':
      return 'Keys are managed here, signed in, never with a key.';
  }
  if (r.code === 'RATE_LIMITED' || r.code === 'THROTTLED' || r.code === 'UNAVAILABLE') return retryText(r.retryAfter);
  if (r.code === 'UNAUTHENTICATED') return 'Your session has ended. Sign in again.';
  return 'Something went wrong. Try again.';
}
