// What to tell someone whose password change, reset or account deletion
// was refused, by extensions.code and reason (docs/ERRORS.md). The
// password rules and their words are the sign-up form's (auth/messages.ts).
import { authProblem } from '../auth/messages';
import { retryText, type Refusal } from '../graphql/errors';

export type AccountField = 'currentPassword' | 'newPassword' | 'password' | 'email' | 'token';

export interface AccountProblem {
  field?: AccountField;
  text: string;
}

export type AccountForm = 'change' | 'reset' | 'forgot' | 'delete';

function fieldOf(path: string | undefined): AccountField | undefined {
  const last = path?.split('.').pop();
  switch (last) {
    case 'currentPassword':
    case 'newPassword':
    case 'password':
    case 'email':
    case 'token':
      return last;
    default:
      return undefined;
  }
}

/** The sentence for a refusal of one of the account forms. */
export function accountProblem(r: Refusal, form: AccountForm): AccountProblem {
  if (r.network) return { text: 'Cannot reach FaceStat. Check your connection and try again.' };
  const named = fieldOf(r.field);
  // The new password, in the form that has one.
  const fresh: AccountField | undefined = form === 'change' || form === 'reset' ? 'newPassword' : undefined;
  // INVALID_TOKEN, or a token no link ever carried (TOO_LONG): the same words.
  if (r.code === 'BAD_USER_INPUT' && (r.reason === 'INVALID_TOKEN' || named === 'token')) {
    return { field: 'token', text: 'This link has expired or was used already. Ask for a new one.' };
  }
  if (r.code === 'UNAUTHENTICATED' && r.reason === 'BAD_CREDENTIALS') {
    if (form === 'change') return { field: 'currentPassword', text: 'Your current password is not right.' };
    if (form === 'delete') return { field: 'password', text: 'That password is not right.' };
  }
  if (r.code === 'UNAUTHENTICATED' && (form === 'change' || form === 'delete')) {
    return { text: 'Your session ran out. Sign in again, then try again.' };
  }
  if (r.code === 'RATE_LIMITED') {
    return { text: `Too many attempts. ${retryText(r.retryAfter)}` };
  }
  // Everything else reads as on the sign-up form: password rules, busy, offline.
  // (authProblem knows the field `password`: the new or current one reads as it.)
  const p = authProblem(named === 'newPassword' || named === 'currentPassword' ? { ...r, field: 'input.password' } : r);
  const field = p.field === 'password' ? (named ?? fresh ?? 'password') : p.field === 'email' ? 'email' : named;
  return { field, text: p.text };
}

/** The new password twice, checked before sending (the server checks too). */
export function checkNewPassword(password: string, again?: string): AccountProblem | null {
  if ([...password].length < 10) return { field: 'newPassword', text: 'Use a password of at least 10 characters.' };
  if ([...password].length > 256) return { field: 'newPassword', text: 'A password has at most 256 characters.' };
  if (again !== undefined && again !== password) return { field: 'newPassword', text: 'The two passwords differ. Type the same one twice.' };
  return null;
}
