import type { CombinedError } from 'urql';

/** The `extensions.code` of the first GraphQL error (see docs/ERRORS.md). */
export function errorCode(err: CombinedError | undefined): string | undefined {
  const code = err?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** An error as the app branches on it: code, reason, field, retryAfter. */
export interface Refusal {
  code?: string;
  reason?: string;
  field?: string;
  retryAfter?: number;
  message?: string;
  /** The request never got an answer (offline, server down). */
  network?: boolean;
  /** HTTP status, when known (uploads). */
  status?: number;
}

/** Reads the first error of a urql result as a Refusal. */
export function refusalOf(err: CombinedError): Refusal {
  const first = err.graphQLErrors[0];
  if (!first) return { network: true, message: err.networkError?.message };
  return fromExtensions(first.extensions ?? {}, first.message);
}

/** Builds a Refusal from an error's `extensions` object. */
export function fromExtensions(ext: Record<string, unknown>, message?: string): Refusal {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const n = Number(ext.retryAfter);
  return {
    code: str(ext.code),
    reason: str(ext.reason),
    field: str(ext.field),
    retryAfter: Number.isFinite(n) && n > 0 ? n : undefined,
    message,
  };
}

/** "Try again in 30 s" / "in 2 min", for RATE_LIMITED, THROTTLED and UNAVAILABLE. */
export function retryText(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return 'Try again shortly.';
  const s = Math.ceil(seconds);
  if (s < 90) return `Try again in ${s} s.`;
  return `Try again in ${Math.ceil(s / 60)} min.`;
}

/** THROTTLED: this client (or its address) has asked for a lot lately. */
export function throttledText(seconds: number | undefined): string {
  return `You have asked FaceStat for a lot in a short time. ${retryText(seconds)}`;
}

/** A sentence a judge can act on. */
export function friendlyError(err: CombinedError | undefined): string {
  if (!err) return 'Something went wrong.';
  if (err.networkError && err.graphQLErrors.length === 0) {
    return 'Cannot reach FaceStat. Check your connection and try again.';
  }
  const first = err.graphQLErrors[0];
  switch (errorCode(err)) {
    case 'RATE_LIMITED':
    case 'UNAVAILABLE': {
      const after = Number(first?.extensions?.retryAfter);
      return `FaceStat is busy right now. ${retryText(after)}`;
    }
    case 'THROTTLED':
      return throttledText(Number(first?.extensions?.retryAfter));
    case 'BAD_USER_INPUT':
      return first?.message ? `Check your answers: ${first.message}` : 'Check your answers.';
    case 'FORBIDDEN':
      return 'You cannot vote on this photo.';
    default:
      return first?.message || 'Something went wrong.';
  }
}
