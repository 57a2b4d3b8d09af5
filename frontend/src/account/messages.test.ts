import { describe, expect, it } from 'vitest';
import { accountProblem, checkNewPassword } from './messages';
import { RESET_SENT } from './ForgotPasswordPage';

describe('accountProblem', () => {
  it('says an e-mailed link expired or was used (INVALID_TOKEN)', () => {
    const p = accountProblem({ code: 'BAD_USER_INPUT', reason: 'INVALID_TOKEN', field: 'input.token' }, 'reset');
    expect(p).toEqual({ field: 'token', text: 'This link has expired or was used already. Ask for a new one.' });
    expect(accountProblem({ code: 'BAD_USER_INPUT', reason: 'TOO_LONG', field: 'input.token' }, 'reset')).toEqual(p);
  });
  it('marks the current password wrong on a change, the password on a deletion', () => {
    expect(accountProblem({ code: 'UNAUTHENTICATED', reason: 'BAD_CREDENTIALS' }, 'change')).toEqual({
      field: 'currentPassword',
      text: 'Your current password is not right.',
    });
    expect(accountProblem({ code: 'UNAUTHENTICATED', reason: 'BAD_CREDENTIALS' }, 'delete').field).toBe('password');
  });
  it('uses the sign-up form’s words for a weak new password, on the new password', () => {
    for (const form of ['change', 'reset'] as const) {
      expect(accountProblem({ code: 'BAD_USER_INPUT', reason: 'WEAK_PASSWORD', field: 'input.newPassword' }, form)).toEqual({
        field: 'newPassword',
        text: 'Use a password of at least 10 characters.',
      });
    }
    expect(accountProblem({ code: 'BAD_USER_INPUT', reason: 'TOO_LONG', field: 'input.newPassword' }, 'change')).toEqual({
      field: 'newPassword',
      text: 'A password has at most 256 characters.',
    });
  });
  it('says when to retry after RATE_LIMITED', () => {
    expect(accountProblem({ code: 'RATE_LIMITED', retryAfter: 120 }, 'forgot').text).toMatch(/Try again in 2 min/);
  });
  it('says so when offline', () => {
    expect(accountProblem({ network: true }, 'forgot').text).toMatch(/Cannot reach FaceStat/);
  });
});

describe('checkNewPassword', () => {
  it('asks for 10 to 256 characters and the same password twice', () => {
    expect(checkNewPassword('short')?.text).toBe('Use a password of at least 10 characters.');
    expect(checkNewPassword('x'.repeat(257))?.text).toBe('A password has at most 256 characters.');
    expect(checkNewPassword('long enough pw', 'long enough pW')?.text).toMatch(/differ/);
    expect(checkNewPassword('long enough pw', 'long enough pw')).toBeNull();
    expect(checkNewPassword('long enough pw')).toBeNull();
  });
});

describe('the forgot-password answer', () => {
  it('never says whether the address has an account, and says how long the link works', () => {
    expect(RESET_SENT).toMatch(/^If an account uses this address/);
    expect(RESET_SENT).toMatch(/30 minutes/);
  });
});
