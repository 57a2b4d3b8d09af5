// The API key of the GraphiQL page. With trusted-documents-only on, the
// server runs only the web app's own documents for callers without an API
// key (PERSISTED_QUERY_NOT_ALLOWED), GraphiQL's schema introspection
// included: the page then asks for a key and sends it in X-Api-Key.

/** The code of a document refused for not being one of the web app's. */
export const NOT_ALLOWED = 'PERSISTED_QUERY_NOT_ALLOWED';

const storageKey = 'facestat.graphiql.apiKey';

/** The key typed into the page, kept for the browser tab's life only. */
export function storedKey(storage: Pick<Storage, 'getItem'> = sessionStorage): string {
  return storage.getItem(storageKey) ?? '';
}

export function storeKey(key: string, storage: Pick<Storage, 'setItem' | 'removeItem'> = sessionStorage): void {
  if (key) storage.setItem(storageKey, key);
  else storage.removeItem(storageKey);
}

/**
 * Wraps fetchImpl so each request carries X-Api-Key when key() is set (a
 * header typed into GraphiQL's headers editor wins), and calls onRefused
 * when an answer says the document is not allowed without a key.
 */
export function withAPIKey(fetchImpl: typeof fetch, key: () => string, onRefused: () => void): typeof fetch {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    const k = key();
    if (k && !headers.has('X-Api-Key')) headers.set('X-Api-Key', k);
    const res = await fetchImpl(input, { ...init, headers });
    if (/json/.test(res.headers.get('content-type') ?? '')) {
      try {
        const body = await res.clone().json();
        if (Array.isArray(body?.errors) && body.errors.some((e: { extensions?: { code?: string } }) => e?.extensions?.code === NOT_ALLOWED)) {
          onRefused();
        }
      } catch {
        /* not JSON after all: GraphiQL shows it */
      }
    }
    return res;
  };
}
