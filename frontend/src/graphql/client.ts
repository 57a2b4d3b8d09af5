// The one GraphQL client of the web app: HTTP (POST /graphql, same origin,
// cookie session with the CSRF header) and WebSocket (graphql-ws on
// /graphql; the upgrade carries the session cookie, which the server trusts
// on sockets from its own public origin) behind urql's normalised cache.
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWSClient, type Client as WSClient } from 'graphql-ws';
import { csrfHeaders } from './csrf';
import { websocketURL } from './socket';
import { ResultsStats } from '../results/fragments';
import type { ResultsStatsFragment } from '../gql/graphql';

let ws: WSClient | null = null;

function socket(): WSClient {
  ws ??= createWSClient({
    url: websocketURL(window.location),
    // Connect on the first subscription and close a while after the last,
    // so a judge who never looks at live results opens no socket.
    lazy: true,
    lazyCloseTimeout: 10_000,
    retryAttempts: 5,
  });
  return ws;
}

/**
 * Closes the WebSocket so that the next subscription opens a new one with
 * the current cookies (call it after the session changes).
 */
export function resetSocket(): void {
  ws?.terminate();
  ws = null;
}

declare global {
  interface Window {
    /** How many live statistics updates the app took in (read by tests). */
    __facestatLive?: number;
  }
}

/**
 * The newest PhotoStats seen per id. The server's `version` only grows, so
 * an update that arrives out of order (an older version) must not replace
 * a newer one already in the cache: it is written back over it.
 */
const newestStats = new Map<string, ResultsStatsFragment>();

const makeCache = () => cacheExchange({
  // Types without an id are embedded in their parent entity.
  keys: {
    QuestionStats: () => null,
    Interval: () => null,
    HistogramBucket: () => null,
    WordCount: () => null,
    PageInfo: () => null,
    PhotoConnection: () => null,
    PhotoEdge: () => null,
    CastVotePayload: () => null,
    SkipPhotoPayload: () => null,
    StartAnonymousSessionPayload: () => null,
    SignUpPayload: () => null,
    SignInPayload: () => null,
    RefreshSessionPayload: () => null,
    SignOutPayload: () => null,
    UploadPhotoPayload: () => null,
    SetPhotoVisibilityPayload: () => null,
    DeletePhotoPayload: () => null,
    PhotoConsent: () => null,
    ModerationQueueConnection: () => null,
    ModerationQueueEdge: () => null,
    ModerationQueueItem: () => null,
    ModerationLogConnection: () => null,
    ModerationLogEdge: () => null,
    ReportPhotoPayload: () => null,
    ModeratePhotoPayload: () => null,
    ConfirmPhotoConsentPayload: () => null,
    ChangePasswordPayload: () => null,
    RequestPasswordResetPayload: () => null,
    ResetPasswordPayload: () => null,
    SignOutOtherSessionsPayload: () => null,
    ExportMyDataPayload: () => null,
    DeleteAccountPayload: () => null,
  },
  updates: {
    Mutation: {
      startAnonymousSession(result, _args, cache) {
        const payload = result.startAnonymousSession as { viewer?: { __typename: string; id: string } } | null;
        if (payload?.viewer) cache.link('Query', 'viewer', payload.viewer);
      },
      signUp(result, _args, cache) {
        const payload = result.signUp as { viewer?: { __typename: string; id: string } } | null;
        if (payload?.viewer) cache.link('Query', 'viewer', payload.viewer);
      },
      signIn(result, _args, cache) {
        const payload = result.signIn as { viewer?: { __typename: string; id: string } } | null;
        if (payload?.viewer) cache.link('Query', 'viewer', payload.viewer);
      },
      signOut(_result, _args, cache) {
        cache.link('Query', 'viewer', null);
        // What the account could see is no longer the viewer's to see.
        cache.invalidate('Query', 'photo');
      },
      deleteAccount(result, _args, cache) {
        if (!(result.deleteAccount as { ok?: boolean } | null)?.ok) return;
        cache.link('Query', 'viewer', null);
        cache.invalidate('Query', 'photo');
      },
      moderatePhoto(result, _args, cache) {
        // The queue and the log changed: both are asked again.
        for (const f of cache.inspectFields('Query')) {
          if (f.fieldName === 'moderationQueue' || f.fieldName === 'moderationLog') cache.invalidate('Query', f.fieldKey);
        }
        const payload = result.moderatePhoto as { photo?: unknown; entry?: { photoId?: string } } | null;
        // Removed (or its owner banned): the photo is gone.
        if (payload && !payload.photo && payload.entry?.photoId) cache.invalidate({ __typename: 'Photo', id: payload.entry.photoId });
      },
      deletePhoto(result, _args, cache) {
        const id = (result.deletePhoto as { deletedPhotoId?: string } | null)?.deletedPhotoId;
        if (!id) return;
        cache.invalidate({ __typename: 'Photo', id });
        // The viewer's list is refetched next time it shows.
        const viewer = cache.resolve('Query', 'viewer') as string | null;
        if (viewer) cache.invalidate(viewer, 'photos', { first: 100 });
      },
    },
    Subscription: {
      photoStats(result, _args, cache) {
        const incoming = result.photoStats as ResultsStatsFragment | null;
        if (!incoming?.id) return;
        const known = newestStats.get(incoming.id);
        if (known && known.version > incoming.version) {
          cache.writeFragment(ResultsStats, known);
          return;
        }
        newestStats.set(incoming.id, incoming);
        if (typeof window !== 'undefined') window.__facestatLive = (window.__facestatLive ?? 0) + 1;
      },
    },
  },
});

export function createClient(): Client {
  return new Client({
    url: '/graphql',
    preferGetMethod: false,
    // Read per request: the CSRF cookie appears with the first session.
    fetchOptions: () => ({
      credentials: 'same-origin',
      headers: csrfHeaders(document.cookie),
    }),
    exchanges: [
      makeCache(),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = socket().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}

export const client = createClient();
