// Client-side routing: plain paths, the History API and one popstate
// listener. The server answers every app route with index.html.
import { useEffect, useState } from 'react';

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return path;
}

/** Goes to an app path without a page load. */
export function navigate(to: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

/** Client-side navigation for same-app links (a plain click on <a href>). */
export function onLinkClick(e: React.MouseEvent): void {
  const a = (e.target as Element).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || a.target || a.hasAttribute('download')) return;
  if (url.pathname.startsWith('/graphiql') || url.pathname.startsWith('/images')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}

/** The `next` query parameter when it is a same-app path, else fallback. */
export function nextParam(search: string, fallback: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
