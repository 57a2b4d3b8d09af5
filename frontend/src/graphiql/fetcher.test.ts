import { describe, expect, it } from 'vitest';
import { withCSRF } from './fetcher';

/** A fetch that records what it was called with. */
function recorder() {
  const calls: { input: RequestInfo | URL; init: RequestInit }[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ input, init });
    return new Response('{"data":{}}', { headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetchImpl };
}

describe('withCSRF', () => {
  it('repeats the fs_csrf cookie read at request time, same-origin with credentials', async () => {
    const { calls, fetchImpl } = recorder();
    let cookies = '';
    const f = withCSRF(fetchImpl, () => cookies);
    await f('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' } });
    cookies = 'a=1; fs_csrf=tok_1234567890abcdef';
    await f('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' } });

    const first = new Headers(calls[0].init.headers);
    expect(first.has('X-CSRF-Token')).toBe(false);
    expect(first.get('content-type')).toBe('application/json');
    const second = new Headers(calls[1].init.headers);
    expect(second.get('X-CSRF-Token')).toBe('tok_1234567890abcdef');
    expect(second.get('content-type')).toBe('application/json');
    expect(calls.map((c) => c.init.credentials)).toEqual(['same-origin', 'same-origin']);
    expect(calls[1].init.method).toBe('POST');
  });

  it('leaves a token typed into the headers editor as it is', async () => {
    const { calls, fetchImpl } = recorder();
    const f = withCSRF(fetchImpl, () => 'fs_csrf=from_cookie_0123456789');
    await f('/graphql', { headers: { 'x-csrf-token': 'typed_by_hand' } });
    expect(new Headers(calls[0].init.headers).get('X-CSRF-Token')).toBe('typed_by_hand');
  });
});
