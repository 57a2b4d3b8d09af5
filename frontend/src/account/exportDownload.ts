// Waiting for a data export: its URL answers 202 while the ZIP is being
// built and 200 once it is ready. The request carries this browser's
// session (the link is the account's alone); the body of a 200 is not
// read (the download link fetches it again, as a file).

export class ExportFailed extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface WaitOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  /** Pause between polls when the server sends no Retry-After. */
  intervalMs?: number;
  /** Give up after this long. */
  maxWaitMs?: number;
  now?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Words for an export that cannot be downloaded, by status (and the error's reason, for 409). */
export function exportFailureText(status: number, reason?: string): string {
  if (reason === 'EXPORT_TOO_LARGE') return 'Your data is larger than an export may be. Delete some photos, or ask the operator.';
  switch (status) {
    case 401:
    case 403:
      return 'This download is for the account that asked for it. Sign in again and start a new one.';
    case 404:
    case 410:
      return 'This export expired or was deleted. Start a new one.';
    case 429:
      return 'Too many exports today. Try again tomorrow.';
    case 0:
      return 'Cannot reach FaceStat. Check your connection and try again.';
    default:
      return 'The export failed. Try again in a while.';
  }
}

/**
 * Resolves once url answers 200; throws ExportFailed on any status but
 * 200 and 202, on a network failure (status 0) and after maxWaitMs.
 */
export async function waitForExport(url: string, opts: WaitOptions = {}): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? sleepFor;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 2000;
  const deadline = now() + (opts.maxWaitMs ?? 10 * 60_000);
  for (;;) {
    let res: Response;
    try {
      res = await doFetch(url, { method: 'GET', credentials: 'include', cache: 'no-store', signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new ExportFailed(0, exportFailureText(0));
    }
    if (res.status !== 200 && res.status !== 202) {
      throw new ExportFailed(res.status, exportFailureText(res.status, await reasonOf(res)));
    }
    // Only the status matters here: never read a ZIP into memory.
    void res.body?.cancel().catch(() => undefined);
    if (res.status === 200) return;
    if (now() >= deadline) throw new ExportFailed(504, 'The export is taking long. Try again in a while.');
    const after = Number(res.headers.get('Retry-After'));
    const wait = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : interval;
    await sleep(wait);
    if (opts.signal?.aborted) throw new DOMException('aborted', 'AbortError');
  }
}

/** The reason of a refusal's JSON body ({"errors":[{"extensions":{"reason"}}]}), if any. */
async function reasonOf(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.json()) as { errors?: { extensions?: { reason?: unknown } }[] };
    const reason = body.errors?.[0]?.extensions?.reason;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}
