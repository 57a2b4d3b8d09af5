// An anonymous judge with urql and graphql-ws: take the next photo, watch
// its statistics live, vote, and see the vote arrive. Node 22+ (its global
// WebSocket); API_URL is the server, e.g. http://localhost:8080.
import { Client, cacheExchange, fetchExchange, subscriptionExchange, gql } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';

const url = process.env.API_URL ?? 'http://localhost:8080';

// 1. A session for a judge without an account.
const anonymous = new Client({ url: `${url}/graphql`, exchanges: [fetchExchange] });
const started = await anonymous
  .mutation(gql`mutation { startAnonymousSession { token } }`, {})
  .toPromise();
if (started.error) throw started.error;
const token = started.data.startAnonymousSession.token;

// 2. A client sending the token over HTTP and, for subscriptions, in
// graphql-ws's connection_init payload.
const ws = createWsClient({
  url: `${url.replace(/^http/, 'ws')}/graphql`,
  connectionParams: { authorization: `Bearer ${token}` },
});
const client = new Client({
  url: `${url}/graphql`,
  fetchOptions: { headers: { authorization: `Bearer ${token}` } },
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
});

// 3. The next photo and the questions to answer about it.
const next = await client
  .query(gql`query { nextPhoto { id survey { key kind min max } } }`, {})
  .toPromise();
if (next.error) throw next.error;
const photo = next.data.nextPhoto;
if (!photo) {
  console.log('nothing left to judge');
  process.exit(0);
}

// 4. Its statistics, live: the current state first, then every change.
const seen = new Promise((resolve, reject) => {
  const { unsubscribe } = client
    .subscription(gql`subscription ($id: ID!) { photoStats(photoId: $id) { id version voteCount } }`, { id: photo.id })
    .subscribe((result) => {
      if (result.error) return reject(result.error);
      const stats = result.data.photoStats;
      console.log(`photoStats: ${stats.voteCount} votes (version ${stats.version})`);
      if (stats.voteCount > 0) {
        unsubscribe();
        resolve(stats);
      }
    });
});

// 5. A vote: one answer per question, in the field its kind takes.
const answers = photo.survey.map((q) =>
  q.kind === 'YES_NO' ? { questionKey: q.key, yes: true }
  : q.kind === 'WORD' ? { questionKey: q.key, word: 'friendly' }
  : { questionKey: q.key, number: q.min },
);
const voted = await client
  .mutation(gql`mutation ($input: CastVoteInput!) { castVote(input: $input) { photo { id voteCount } } }`, {
    input: { photoId: photo.id, answers },
  })
  .toPromise();
if (voted.error) throw voted.error;
console.log(`voted on ${voted.data.castVote.photo.id}`);

await seen;
await ws.dispose();
