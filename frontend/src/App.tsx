// Routes: / (the start page) and /judge. The server answers every app route
// with index.html (api/server.go serveWebApp), so links are plain paths.
import { useEffect, useState } from 'react';
import { JudgePage } from './judge/JudgePage';

function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return path;
}

/** Client-side navigation for same-app links (a plain click on <a href>). */
function onLinkClick(e: React.MouseEvent) {
  const a = (e.target as Element).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || a.target || url.pathname.startsWith('/graphiql')) return;
  e.preventDefault();
  window.history.pushState(null, '', url.pathname + url.search);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

function Home() {
  return (
    <main className="home">
      <h1>FaceStat</h1>
      <p>
        How old do strangers think you look? Trustworthy, intelligent, happy? Judge faces in a tap and see at once how
        the crowd answered.
      </p>
      <p>
        <a className="primary button-link" href="/judge">
          Start judging
        </a>
      </p>
      <p className="small">
        No sign-up needed. Developers: explore the API in <a href="/graphiql">GraphiQL</a>.
      </p>
    </main>
  );
}

function NotFound() {
  return (
    <main className="home">
      <h1>Page not found</h1>
      <p>
        <a href="/">Back to FaceStat</a>
      </p>
    </main>
  );
}

export function App() {
  const path = usePath().replace(/\/+$/, '') || '/';
  let page;
  if (path === '/') page = <Home />;
  else if (path === '/judge') page = <JudgePage />;
  else page = <NotFound />;
  return (
    <div className="app" onClick={onLinkClick}>
      <header className="topbar">
        <a href="/" className="brand">
          FaceStat
        </a>
        <nav aria-label="Main">
          <a href="/judge" aria-current={path === '/judge' ? 'page' : undefined}>
            Judge
          </a>
        </nav>
      </header>
      {page}
    </div>
  );
}
