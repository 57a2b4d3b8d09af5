// GraphiQL's transport, the same as the app's (src/graphql/client.ts):
// POST /graphql on the page's own origin with the browser's cookies, the
// CSRF cookie repeated in X-CSRF-Token on every request (a browser that has
// used the app has a session cookie, and the server refuses its POSTs
// without the header), and subscriptions over graphql-ws on /graphql.
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import { csrfHeaders } from '../graphql/csrf';
import { websocketURL } from '../graphql/socket';

/**
 * Wraps fetchImpl so each request is same-origin with credentials and
 * carries the CSRF header read from cookies() at that moment (the cookie
 * appears with the first session). A header typed into GraphiQL's headers
 * editor wins over the cookie's.
 */
export function withCSRF(fetchImpl: typeof fetch, cookies: () => string): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(csrfHeaders(cookies()))) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return fetchImpl(input, { ...init, headers, credentials: 'same-origin' });
  };
}

/**
 * The fetcher of the GraphiQL page: /graphql over HTTP and WebSocket; wrap
 * adds to the HTTP fetch (the page's API key, apikey.ts).
 */
export function createFetcher(wrap: (f: typeof fetch) => typeof fetch = (f) => f): Fetcher {
  return createGraphiQLFetcher({
    url: '/graphql',
    fetch: wrap(withCSRF((input, init) => fetch(input, init), () => document.cookie)),
    // Opened on the first subscription; the upgrade carries the session
    // cookie, which the server trusts on sockets from its own origin.
    wsClient: createClient({ url: websocketURL(window.location), lazy: true }),
  });
}
