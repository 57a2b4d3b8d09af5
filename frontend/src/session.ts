// The judge's session: the browser keeps it in cookies the server sets
// (HttpOnly fs_session, readable fs_csrf). A visitor without one gets an
// anonymous session, so judging needs no sign-up.
import type { Client } from 'urql';
import { graphql } from './gql';
import { resetSocket } from './graphql/client';

// What every operation that changes the session reads back of the viewer,
// so the cache holds one shape of it.
export const ViewerFields = graphql(`
  fragment ViewerFields on Viewer {
    id
    isAnonymous
    votesCast
    karma
    user {
      id
      handle
    }
  }
`);

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
`);

export const StartAnonymousSessionMutation = graphql(`
  mutation StartAnonymousSession {
    startAnonymousSession(input: { cookie: true }) {
      expiresAt
      viewer {
        ...ViewerFields
      }
    }
  }
`);

let inflight: ReturnType<typeof startSession> | null = null;

/**
 * Returns the viewer, starting an anonymous cookie session when there is
 * none. Concurrent callers share one round trip.
 */
export function ensureSession(client: Client) {
  inflight ??= startSession(client).finally(() => {
    inflight = null;
  });
  return inflight;
}

async function startSession(client: Client) {
  const r = await client.query(ViewerQuery, {}, { requestPolicy: 'network-only' }).toPromise();
  if (r.error) throw r.error;
  if (r.data?.viewer) return r.data.viewer;
  const m = await client.mutation(StartAnonymousSessionMutation, {}).toPromise();
  if (m.error || !m.data) throw m.error ?? new Error('no session');
  // A socket opened before the session would stay anonymous.
  resetSocket();
  return m.data.startAnonymousSession.viewer;
}
