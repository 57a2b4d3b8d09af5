import { describe, expect, it } from 'vitest';
import { CSRF_HEADER, csrfHeaders, readCookie } from './csrf';

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('a=1; fs_csrf=abc_DEF-123; b=2', 'fs_csrf')).toBe('abc_DEF-123');
  });
  it('does not match a cookie whose name merely ends with the name', () => {
    expect(readCookie('xfs_csrf=nope', 'fs_csrf')).toBeNull();
  });
  it('keeps "=" inside the value and decodes it', () => {
    expect(readCookie('fs_csrf=a%3Db=c', 'fs_csrf')).toBe('a=b=c');
  });
  it('returns null when absent or the string is empty', () => {
    expect(readCookie('', 'fs_csrf')).toBeNull();
    expect(readCookie('other=1', 'fs_csrf')).toBeNull();
  });
  it('keeps a value that is not valid percent-encoding as it is', () => {
    expect(readCookie('fs_csrf=%E0%A4%A', 'fs_csrf')).toBe('%E0%A4%A');
  });
});

describe('csrfHeaders', () => {
  it('repeats the fs_csrf cookie in X-CSRF-Token', () => {
    expect(csrfHeaders('fs_csrf=tok123456789012345')).toEqual({ [CSRF_HEADER]: 'tok123456789012345' });
    expect(CSRF_HEADER).toBe('X-CSRF-Token');
  });
  it('sends nothing without the cookie', () => {
    expect(csrfHeaders('fs_session_hint=1')).toEqual({});
    expect(csrfHeaders('fs_csrf=')).toEqual({});
  });
});
