// The viewer as the header and the account pages see it. Without a session
// cookie there is no viewer, so no request is made: the front page stays
// free of GraphQL requests for a first-time visitor.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { CSRF_COOKIE, readCookie } from './graphql/csrf';
import { navigate } from './router';
import { ViewerQuery } from './session';

/** Whether the browser holds a session (the readable fs_csrf cookie says so). */
export function hasSession(): boolean {
  return readCookie(document.cookie, CSRF_COOKIE) !== null;
}

export type Viewer = NonNullable<NonNullable<ReturnType<typeof useViewer>['viewer']>>;

export function useViewer() {
  const paused = !hasSession();
  const [r] = useQuery({ query: ViewerQuery, pause: paused });
  return {
    viewer: paused ? null : (r.data?.viewer ?? null),
    // Unknown until the query answers.
    loading: !paused && r.fetching && !r.data,
    error: r.error,
  };
}

/**
 * The viewer of a page for accounts only (path): without an account
 * (none, or an anonymous judge) it goes to sign in, and back here after.
 */
export function useAccountPage(path: string) {
  const { viewer, loading } = useViewer();
  const needsAccount = !loading && (!viewer || viewer.isAnonymous);
  useEffect(() => {
    if (needsAccount) navigate(`/signin?next=${path}`, { replace: true });
  }, [needsAccount, path]);
  return { viewer, loading, needsAccount };
}
