import { describe, expect, it } from 'vitest';
import { checkKeyName, keyProblem, scopesFor } from './keys';

describe('API keys', () => {
  it('asks for READ, and WRITE only when chosen', () => {
    expect(scopesFor(false)).toEqual(['READ']);
    expect(scopesFor(true)).toEqual(['READ', 'WRITE']);
  });
  it('checks the name as the server does', () => {
    expect(checkKeyName('  ')).toMatch(/name/);
    expect(checkKeyName('x'.repeat(100))).toBeNull();
    expect(checkKeyName('é'.repeat(101))).toMatch(/at most 100/);
  });
  it('says why a key was refused', () => {
    expect(keyProblem({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_KEYS' })).toMatch(/10 keys already/);
    expect(keyProblem({ code: 'NOT_FOUND' })).toMatch(/revoked already/);
    expect(keyProblem({ code: 'FORBIDDEN', reason: 'KEY_SCOPE' })).toMatch(/never with a key/);
    expect(keyProblem({ network: true })).toMatch(/could not be reached/);
    expect(keyProblem({ code: 'THROTTLED', retryAfter: 30 })).toMatch(/30/);
  });
});
