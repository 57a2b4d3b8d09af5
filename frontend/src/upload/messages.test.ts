import { describe, expect, it } from 'vitest';
import { checkFile, uploadProblem } from './messages';
import { readUploadResponse, UploadRefused } from './uploadRequest';
import { authProblem } from '../auth/messages';

const bad = (reason: string, extra = {}) => ({ code: 'BAD_USER_INPUT', field: 'input.file', reason, ...extra });

describe('uploadProblem', () => {
  it.each([
    ['FILE_TOO_LARGE', /too large/],
    ['NOT_AN_IMAGE', /not a JPEG, PNG or WebP/],
    ['IMAGE_TOO_LARGE', /too many pixels/],
    ['IMAGE_TOO_SMALL', /too small to show a face/],
    ['QUOTA_REACHED', /Delete one/],
  ])('%s has its own message', (reason, text) => {
    expect(uploadProblem(bad(reason)).text).toMatch(text);
  });
  it('sends an anonymous uploader to sign in', () => {
    const p = uploadProblem({ code: 'UNAUTHENTICATED' });
    expect(p.signIn).toBe(true);
    expect(p.text).toMatch(/Sign in/);
  });
  it('says when to retry after RATE_LIMITED', () => {
    expect(uploadProblem({ code: 'RATE_LIMITED', retryAfter: 30 }).text).toMatch(/in 30 s/);
    expect(uploadProblem({ code: 'RATE_LIMITED', retryAfter: 300 }).text).toMatch(/in 5 min/);
    expect(uploadProblem({ code: 'RATE_LIMITED' }).text).toMatch(/shortly/);
  });
  it('says when to retry after THROTTLED', () => {
    expect(uploadProblem({ code: 'THROTTLED', retryAfter: 12 }).text).toMatch(/a lot in a short time\. Try again in 12 s/);
    expect(authProblem({ code: 'THROTTLED', retryAfter: 120 }).text).toMatch(/a lot in a short time\. Try again in 2 min/);
  });
  it('says uploads are paused, and when to retry', () => {
    const p = uploadProblem({ code: 'UNAVAILABLE', reason: 'UPLOADS_PAUSED', retryAfter: 30 });
    expect(p.text).toMatch(/Uploads are paused/);
    expect(p.text).toMatch(/in 30 s/);
    expect(uploadProblem({ code: 'UNAVAILABLE', reason: 'BUSY', retryAfter: 1 }).text).toMatch(/busy right now/);
  });
  it('reports a network failure', () => {
    expect(uploadProblem({ network: true }).text).toMatch(/connection/);
  });
});

describe('readUploadResponse', () => {
  it('returns the photo', () => {
    const body = JSON.stringify({ data: { uploadPhoto: { photo: { id: 'P1', imageUrl: '/i' } } } });
    expect(readUploadResponse(200, body).id).toBe('P1');
  });
  it('reads a refusal from errors[0].extensions', () => {
    const body = JSON.stringify({ errors: [{ message: 'no', extensions: bad('NOT_AN_IMAGE') }], data: null });
    try {
      readUploadResponse(200, body);
      expect.unreachable();
    } catch (e) {
      expect((e as UploadRefused).refusal).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_AN_IMAGE', field: 'input.file' });
    }
  });
  it('treats a 413 JSON body as FILE_TOO_LARGE', () => {
    const body = JSON.stringify({ errors: [{ message: 'the file is larger than 10 MiB', extensions: bad('FILE_TOO_LARGE') }] });
    expect(() => readUploadResponse(413, body)).toThrow(UploadRefused);
    try {
      readUploadResponse(413, body);
    } catch (e) {
      expect(uploadProblem((e as UploadRefused).refusal).text).toMatch(/too large \(the file is larger than 10 MiB\)/);
    }
  });
  it('treats a 413 from a proxy (HTML) as too large', () => {
    try {
      readUploadResponse(413, '<html>Request Entity Too Large</html>');
      expect.unreachable();
    } catch (e) {
      expect(uploadProblem((e as UploadRefused).refusal).text).toMatch(/too large/);
    }
  });
  it('takes retryAfter from the Retry-After header when the body lacks it', () => {
    try {
      readUploadResponse(429, JSON.stringify({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] }), '12');
      expect.unreachable();
    } catch (e) {
      expect((e as UploadRefused).refusal.retryAfter).toBe(12);
    }
  });
  it('reads a 401 without JSON as UNAUTHENTICATED', () => {
    try {
      readUploadResponse(401, '');
      expect.unreachable();
    } catch (e) {
      expect(uploadProblem((e as UploadRefused).refusal).signIn).toBe(true);
    }
  });
});

describe('checkFile', () => {
  it('refuses other types and empty files before sending', () => {
    expect(checkFile({ type: 'image/gif', size: 10 })?.text).toMatch(/JPEG, PNG or WebP/);
    expect(checkFile({ type: 'image/png', size: 0 })?.text).toMatch(/empty/);
    expect(checkFile({ type: 'image/webp', size: 100 })).toBeNull();
  });
});

describe('authProblem', () => {
  it('marks the taken field', () => {
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'TAKEN', field: 'input.handle' })).toMatchObject({ field: 'handle' });
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'TAKEN', field: 'input.email' }).text).toMatch(/Sign in instead/);
  });
  it('explains a weak password on the password field', () => {
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'WEAK_PASSWORD', field: 'input.password' })).toMatchObject({
      field: 'password',
      text: expect.stringMatching(/10 characters/),
    });
  });
  it('names the invalid field', () => {
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'INVALID', field: 'input.email' })).toMatchObject({ field: 'email' });
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'INVALID', field: 'input.handle' }).text).toMatch(/3 to 30/);
  });
  it('never says which of email and password was wrong', () => {
    const p = authProblem({ code: 'UNAUTHENTICATED', reason: 'BAD_CREDENTIALS' });
    expect(p).toEqual({ text: 'Wrong email or password.' });
  });
  it('says a banned account cannot sign in, and a banned e-mail cannot sign up (BANNED)', () => {
    expect(authProblem({ code: 'FORBIDDEN', reason: 'BANNED' }).text).toMatch(/banned this account/);
    expect(authProblem({ code: 'BAD_USER_INPUT', reason: 'BANNED', field: 'input.email' })).toMatchObject({
      field: 'email',
      text: expect.stringMatching(/cannot sign up again/),
    });
  });
  it('says when to retry after RATE_LIMITED', () => {
    expect(authProblem({ code: 'RATE_LIMITED', retryAfter: 7 }).text).toMatch(/Too many attempts\. Try again in 7 s/);
  });
});
