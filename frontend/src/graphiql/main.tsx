// The GraphiQL page (/graphiql): a separate Vite entry (graphiql.html), so
// the app's own bundle does not carry it. Everything it loads is built into
// the binary: no CDN, no remote fonts (GraphiQL's are inlined as data: URLs).
// Above it, a field for an API key (apikey.ts), which the page asks for
// when the server refuses documents without one (trusted-documents-only).
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './graphiql.css';
import { storedKey, storeKey, withAPIKey } from './apikey';
import { EXAMPLE_TABS } from './example';
import { createFetcher } from './fetcher';

function Page() {
  const [key, setKey] = useState(storedKey);
  const [draft, setDraft] = useState(key);
  const [needed, setNeeded] = useState(false);
  const fetcher = useMemo(() => createFetcher((f) => withAPIKey(f, () => key, () => setNeeded(true))), [key]);
  return (
    <div className="fs-graphiql">
      <form
        className={needed && !key ? 'fs-apikey fs-apikey-needed' : 'fs-apikey'}
        onSubmit={(e) => {
          e.preventDefault();
          storeKey(draft.trim());
          setNeeded(false);
          setKey(draft.trim());
        }}
      >
        <label htmlFor="fs-apikey">API key (X-Api-Key)</label>
        <input id="fs-apikey" type="password" autoComplete="off" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Use</button>
        {needed && (
          <p role="alert">
            This server runs only the web app&rsquo;s own operations for callers without an API key: enter one (create it on the developers page).
          </p>
        )}
      </form>
      {/* Remounted with each key, so the schema is fetched again with it. */}
      <GraphiQL key={key} fetcher={fetcher} defaultTabs={EXAMPLE_TABS} />
    </div>
  );
}

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
