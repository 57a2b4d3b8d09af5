// The GraphiQL page (/graphiql): a separate Vite entry (graphiql.html), so
// the app's own bundle does not carry it. Everything it loads is built into
// the binary: no CDN, no remote fonts (GraphiQL's are inlined as data: URLs).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './graphiql.css';
import { EXAMPLE_TABS } from './example';
import { createFetcher } from './fetcher';

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={createFetcher()} defaultTabs={EXAMPLE_TABS} />
  </StrictMode>,
);
