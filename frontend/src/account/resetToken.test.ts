import { beforeEach, describe, expect, it } from 'vitest';
import { forgetResetToken, takeResetToken } from './resetToken';

function fakeHistory() {
  const calls: string[] = [];
  return {
    calls,
    state: { kept: true },
    replaceState(_data: unknown, _unused: string, url?: string | URL | null) {
      calls.push(String(url));
    },
  };
}

describe('takeResetToken', () => {
  beforeEach(() => forgetResetToken());

  it('reads the token and takes it out of the address', () => {
    const h = fakeHistory();
    const token = takeResetToken({ pathname: '/reset-password', search: '?token=abc123', hash: '' }, h);
    expect(token).toBe('abc123');
    expect(h.calls).toEqual(['/reset-password']);
  });

  it('keeps the other query parameters and the hash', () => {
    const h = fakeHistory();
    takeResetToken({ pathname: '/reset-password', search: '?a=1&token=t%2Bx&b=2', hash: '#top' }, h);
    expect(h.calls).toEqual(['/reset-password?a=1&b=2#top']);
  });

  it('decodes the token once', () => {
    expect(takeResetToken({ pathname: '/reset-password', search: '?token=t%2Bx', hash: '' }, fakeHistory())).toBe('t+x');
  });

  it('gives the same token again once the address no longer has it (a second render)', () => {
    const h = fakeHistory();
    takeResetToken({ pathname: '/reset-password', search: '?token=abc', hash: '' }, h);
    expect(takeResetToken({ pathname: '/reset-password', search: '', hash: '' }, h)).toBe('abc');
    expect(h.calls).toHaveLength(1);
  });

  it('has none without a token, and none after it was used', () => {
    const h = fakeHistory();
    expect(takeResetToken({ pathname: '/reset-password', search: '', hash: '' }, h)).toBeNull();
    expect(h.calls).toEqual([]);
    takeResetToken({ pathname: '/reset-password', search: '?token=abc', hash: '' }, h);
    forgetResetToken();
    expect(takeResetToken({ pathname: '/reset-password', search: '', hash: '' }, h)).toBeNull();
  });

  it('treats an empty token as none, but still cleans the address', () => {
    const h = fakeHistory();
    expect(takeResetToken({ pathname: '/reset-password', search: '?token=', hash: '' }, h)).toBeNull();
    expect(h.calls).toEqual(['/reset-password']);
  });
});
