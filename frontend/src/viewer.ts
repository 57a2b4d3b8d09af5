// The viewer as the header and the account pages see it. Without a session
// cookie there is no viewer, so no request is made: the front page stays
// free of GraphQL requests for a first-time visitor.
import { useQuery } from 'urql';
import { CSRF_COOKIE, readCookie } from './graphql/csrf';
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
