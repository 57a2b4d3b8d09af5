// GraphQL over HTTP, exactly (issue 15): the graphql-http project's server
// audit suite against the real binary, failing on any MUST or SHOULD audit
// that does not pass (MAY audits are reported only), and Apollo Client's
// automatic persisted queries link, which must see PERSISTED_QUERY_NOT_FOUND,
// retry with the document, and then get by with the hash alone, by GET too.
// No browser: these are HTTP clients, as third-party apps are.
import { test, expect } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { auditServer } from 'graphql-http';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';

const url = () => {
  const u = process.env.FACESTAT_E2E_URL;
  if (!u) throw new Error('FACESTAT_E2E_URL is not set: run through global-setup.mjs (make e2e)');
  return u + '/graphql';
};

test('the graphql-http server audits pass, every MUST and SHOULD', async () => {
  const results = await auditServer({ url: url(), fetchFn: fetch });
  expect(results.length).toBeGreaterThan(40);
  const failed = results.filter((r) => r.status === 'error' || r.status === 'warn').map((r) => `${r.id} ${r.name}: ${r.reason}`);
  expect(failed).toEqual([]);
});

/** A fetch that records each request's method and what it carried. */
function recordingFetch(log) {
  return async (input, init = {}) => {
    const u = new URL(typeof input === 'string' ? input : input.url);
    const body = init.body ? JSON.parse(init.body) : Object.fromEntries(u.searchParams);
    log.push({ method: init.method || 'GET', hasQuery: Boolean(body.query) });
    return fetch(input, init);
  };
}

function apollo(log, useGETForHashedQueries) {
  const sha256 = (s) => createHash('sha256').update(s).digest('hex');
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(new HttpLink({ uri: url(), fetch: recordingFetch(log) }));
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

test("Apollo Client's persisted queries link: not found, retried with the document, then the hash alone by GET", async () => {
  // A document no earlier run registered: an alias made unique per run.
  const alias = 'q' + randomBytes(6).toString('hex');
  const query = gql(`query ApqProbe { ${alias}: questions { key } }`);

  const first = [];
  const r1 = await apollo(first, false).query({ query });
  expect(r1.data[alias].map((q) => q.key)).toContain('age');
  expect(first).toEqual([
    { method: 'POST', hasQuery: false }, // the hash: PERSISTED_QUERY_NOT_FOUND
    { method: 'POST', hasQuery: true }, // the retry with the document
  ]);

  const second = [];
  const r2 = await apollo(second, true).query({ query });
  expect(r2.data[alias].map((q) => q.key)).toContain('age');
  expect(second).toEqual([{ method: 'GET', hasQuery: false }]);
});
