import type { CombinedError } from 'urql';

/** The `extensions.code` of the first GraphQL error (see docs/ERRORS.md). */
export function errorCode(err: CombinedError | undefined): string | undefined {
  const code = err?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
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
      return `FaceStat is busy right now. Try again${after > 0 ? ` in ${Math.ceil(after)} s` : ' shortly'}.`;
    }
    case 'BAD_USER_INPUT':
      return first?.message ? `Check your answers: ${first.message}` : 'Check your answers.';
    case 'FORBIDDEN':
      return 'You cannot vote on this photo.';
    default:
      return first?.message || 'Something went wrong.';
  }
}
