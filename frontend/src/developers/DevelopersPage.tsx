// For developers and mobile apps: where the API is and how it behaves,
// and, for accounts, their API keys.
import { useViewer } from '../viewer';
import { ApiKeys } from './ApiKeys';

export function DevelopersPage() {
  const { viewer } = useViewer();
  return (
    <main className="home prose">
      <h1>The FaceStat API</h1>
      <p>
        Everything this app does goes through a public GraphQL API that third-party apps use too. Explore it in{' '}
        <a href="/graphiql">GraphiQL</a>; the schema, with a description of every type and field, is at{' '}
        <a href="/schema.graphql">/schema.graphql</a>.
      </p>
      <p>
        The developer guide, the repository&apos;s <code>docs/API-GUIDE.md</code>, covers sessions and API keys,
        errors, pagination, cost and budgets, persisted operations, subscriptions and the schema&apos;s stability
        promise, with examples for curl, urql, Apollo Kotlin and Swift. GraphiQL opens with example operations.
      </p>
      <h2>Endpoints</h2>
      <ul>
        <li>
          <code>POST /graphql</code> (JSON), <code>GET /graphql</code> (queries), and multipart requests for uploads
          (the GraphQL multipart request spec).
        </li>
        <li>
          WebSocket on <code>/graphql</code> with <code>graphql-transport-ws</code> or the legacy{' '}
          <code>graphql-ws</code> subprotocol, for <code>photoStats</code> and <code>myPhotoActivity</code>.
        </li>
      </ul>
      <h2>Authentication</h2>
      <p>
        <code>startAnonymousSession</code> gives a judge a token with no sign-up; <code>signUp</code> and{' '}
        <code>signIn</code> give an account&apos;s token and a refresh token. Send it as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>, or on a WebSocket as{' '}
        <code>{'{"authorization": "Bearer <token>"}'}</code> in the <code>connection_init</code> payload. Both also
        give a <code>deviceToken</code>: keep it and pass it to later <code>signIn</code> calls (
        <code>input.deviceToken</code>), so that they count on your device&apos;s own budget and strangers guessing the
        password cannot lock you out.
      </p>
      <p>
        Apps and scripts use an <strong>API key</strong> instead: <code>X-Api-Key: fsk_…</code> (on a WebSocket,{' '}
        <code>{'{"x-api-key": "fsk_…"}'}</code>). Alone it acts as you within its scopes; with a user&apos;s bearer
        token it names your app, whose budget pays. Every response says what it cost in{' '}
        <code>extensions.cost</code> and the <code>RateLimit</code> headers.
      </p>
      {viewer?.user && !viewer.isAnonymous ? (
        <ApiKeys />
      ) : (
        <p>
          <a href="/signin?next=/developers">Sign in</a> to create API keys.
        </p>
      )}
      <h2>Conventions and errors</h2>
      <p>
        Relay ids and connections (<code>first</code> is 1 to 100), one <code>input</code> per mutation, RFC 3339
        dates. Every error carries a stable <code>extensions.code</code> (<code>BAD_USER_INPUT</code> with{' '}
        <code>field</code> and <code>reason</code>, <code>UNAUTHENTICATED</code>, <code>FORBIDDEN</code>,{' '}
        <code>NOT_FOUND</code>, <code>CONFLICT</code>, <code>RATE_LIMITED</code>, <code>THROTTLED</code> and <code>UNAVAILABLE</code> with{' '}
        <code>retryAfter</code>, <code>INTERNAL</code>); the full list with HTTP statuses is in the repository&apos;s{' '}
        <code>docs/ERRORS.md</code>.
      </p>
    </main>
  );
}
