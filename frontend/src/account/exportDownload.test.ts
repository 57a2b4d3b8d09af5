import { describe, expect, it } from 'vitest';
import { ExportFailed, waitForExport } from './exportDownload';

function server(statuses: (number | Error)[], headers: Record<string, string> = {}) {
  const seen: RequestInit[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    seen.push(init);
    const s = statuses.shift();
    if (s instanceof Error) throw s;
    return new Response(s === 200 ? 'PK…' : null, { status: s ?? 500, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('waitForExport', () => {
  it('polls while the export answers 202 and resolves on 200, with the session', async () => {
    const s = server([202, 202, 200]);
    const waits: number[] = [];
    await waitForExport('/exports/e1', { fetch: s.fetch, sleep: async (ms) => void waits.push(ms), intervalMs: 1500 });
    expect(s.seen).toHaveLength(3);
    expect(s.seen.every((i) => i.credentials === 'include' && i.cache === 'no-store')).toBe(true);
    expect(waits).toEqual([1500, 1500]);
  });

  it('waits as long as Retry-After says, at most 10 s', async () => {
    const waits: number[] = [];
    await waitForExport('/exports/e1', { fetch: server([202, 200], { 'Retry-After': '3' }).fetch, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([3000]);
    const longer: number[] = [];
    await waitForExport('/exports/e1', { fetch: server([202, 200], { 'Retry-After': '120' }).fetch, sleep: async (ms) => void longer.push(ms) });
    expect(longer).toEqual([10_000]);
  });

  it.each([
    [404, /expired/],
    [403, /for the account that asked/],
    [500, /failed/],
  ])('fails on %i with words for it', async (status, text) => {
    const err = await waitForExport('/exports/e1', { fetch: server([202, status]).fetch, sleep: async () => undefined }).catch((e) => e);
    expect(err).toBeInstanceOf(ExportFailed);
    expect((err as ExportFailed).status).toBe(status);
    expect((err as Error).message).toMatch(text);
  });

  it('says a failed build was too large (409, EXPORT_TOO_LARGE)', async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ errors: [{ message: 'too large', extensions: { code: 'CONFLICT', reason: 'EXPORT_TOO_LARGE' } }] }), {
        status: 409,
        headers: { 'Content-Type': 'application/json' },
      })) as unknown as typeof globalThis.fetch;
    const err = await waitForExport('/exports/e1', { fetch }).catch((e) => e);
    expect((err as ExportFailed).status).toBe(409);
    expect((err as Error).message).toMatch(/larger than an export may be/);
  });

  it('fails when FaceStat cannot be reached', async () => {
    const err = await waitForExport('/exports/e1', { fetch: server([new TypeError('Failed to fetch')]).fetch }).catch((e) => e);
    expect((err as ExportFailed).status).toBe(0);
  });

  it('gives up after maxWaitMs', async () => {
    let t = 0;
    const err = await waitForExport('/exports/e1', {
      fetch: server([202, 202, 202, 202]).fetch,
      sleep: async (ms) => void (t += ms),
      now: () => t,
      intervalMs: 1000,
      maxWaitMs: 2000,
    }).catch((e) => e);
    expect((err as ExportFailed).message).toMatch(/taking long/);
  });
});
