import { describe, expect, it } from 'vitest';
import { NOT_ALLOWED, withAPIKey } from './apikey';

function answering(body: unknown) {
  const calls: RequestInit[] = [];
  const fetchImpl = async (_input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push(init);
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetchImpl };
}

describe('withAPIKey', () => {
  it('sends the key in X-Api-Key only when one is set, never over a typed header', async () => {
    const { calls, fetchImpl } = answering({ data: {} });
    let key = '';
    const f = withAPIKey(fetchImpl, () => key, () => {});
    await f('/graphql', { method: 'POST' });
    key = 'fsk_abc';
    await f('/graphql', { method: 'POST' });
    await f('/graphql', { method: 'POST', headers: { 'X-Api-Key': 'typed' } });
    expect(calls.map((c) => new Headers(c.headers).get('X-Api-Key'))).toEqual([null, 'fsk_abc', 'typed']);
  });

  it('asks for a key when the server refuses a document without one', async () => {
    let refused = 0;
    const ok = withAPIKey(answering({ data: { __typename: 'Query' } }).fetchImpl, () => '', () => refused++);
    await ok('/graphql', {});
    expect(refused).toBe(0);
    const no = withAPIKey(answering({ errors: [{ message: 'no', extensions: { code: NOT_ALLOWED } }] }).fetchImpl, () => '', () => refused++);
    const res = await no('/graphql', {});
    expect(refused).toBe(1);
    expect((await res.json()).errors[0].extensions.code).toBe(NOT_ALLOWED); // GraphiQL still reads the body
  });
});
