// The friendly not-found page: for a path the app does not know, and for a
// photo that does not exist or that the viewer may not see (the two look
// the same, so a private photo's id reveals nothing).
import type { ReactNode } from 'react';

export function NotFoundPage({ title = 'Page not found', children }: { title?: string; children?: ReactNode }) {
  return (
    <main className="narrow not-found">
      <h1>{title}</h1>
      {children ?? <p>There is nothing at this address. The link may be mistyped, or the page has moved.</p>}
      <p className="actions">
        <a className="primary button-link" href="/judge">
          Judge faces
        </a>
        <a className="secondary button-link" href="/">
          Go to the front page
        </a>
      </p>
    </main>
  );
}
