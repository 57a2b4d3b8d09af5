// What to tell someone whose sign-up or sign-in was refused, by
// extensions.code and reason (docs/ERRORS.md), never by message.
import { retryText, throttledText, type Refusal } from '../graphql/errors';

export type AuthField = 'handle' | 'email' | 'password';

export interface AuthProblem {
  /** The form field to mark invalid, when the refusal names one. */
  field?: AuthField;
  text: string;
}

function fieldOf(path: string | undefined): AuthField | undefined {
  const last = path?.split('.').pop();
  return last === 'handle' || last === 'email' || last === 'password' ? last : undefined;
}

export function authProblem(r: Refusal): AuthProblem {
  if (r.network) return { text: 'Cannot reach FaceStat. Check your connection and try again.' };
  const field = fieldOf(r.field);
  switch (r.code) {
    case 'BAD_USER_INPUT':
      switch (r.reason) {
        case 'BANNED':
          return { field: 'email', text: 'This e-mail address belongs to an account the moderators banned: it cannot sign up again.' };
        case 'TAKEN':
          if (field === 'handle') return { field, text: 'That handle is taken. Pick another one.' };
          if (field === 'email') return { field, text: 'An account with that email exists already. Sign in instead.' };
          return { field, text: 'That handle or email belongs to another account.' };
        case 'WEAK_PASSWORD':
          return { field: 'password', text: 'Use a password of at least 10 characters.' };
        case 'TOO_LONG':
          if (field === 'handle') return { field, text: 'A handle has at most 30 characters.' };
          if (field === 'password') return { field, text: 'A password has at most 256 characters.' };
          return { field, text: 'That is too long.' };
        case 'INVALID':
          if (field === 'handle') return { field, text: 'A handle is 3 to 30 letters, digits or _ (a–z, 0–9, _).' };
          if (field === 'email') return { field, text: 'That does not look like an email address.' };
          if (field === 'password') return { field, text: 'That password cannot be used.' };
          return { field, text: 'Something in the form is not valid.' };
        default:
          return { field, text: r.message ? `Check the form: ${r.message}` : 'Check the form.' };
      }
    case 'UNAUTHENTICATED':
      if (r.reason === 'BAD_CREDENTIALS') return { text: 'Wrong email or password.' };
      return { text: 'Your session ran out. Reload the page and try again.' };
    case 'RATE_LIMITED':
      return { text: `Too many attempts. ${retryText(r.retryAfter)}` };
    case 'THROTTLED':
      return { text: throttledText(r.retryAfter) };
    case 'UNAVAILABLE':
      return { text: `FaceStat is busy right now. ${retryText(r.retryAfter)}` };
    case 'FORBIDDEN':
      if (r.reason === 'BANNED') return { text: 'The moderators banned this account: it cannot sign in any more.' };
      return { text: 'The page is out of date. Reload it and try again.' };
    default:
      return { text: r.message || 'Something went wrong. Try again.' };
  }
}
