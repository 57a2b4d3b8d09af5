// What the moderator page shows, without data fetching, so tests can
// render it: a queue item's photo, state, counts and reports, and the log.
// Notes and handles are text: React escapes them (no raw HTML anywhere).
import type { ReactNode } from 'react';
import type { ModerationLogEntryFieldsFragment, ModerationQueueItemFieldsFragment } from '../gql/graphql';
import { reasonLabel } from '../report/reasons';
import { when } from '../ui/when';
import { actionDone } from './moderation';

export function QueueItemView({ item, children }: { item: ModerationQueueItemFieldsFragment; children?: ReactNode }) {
  const minor = item.reports.some((r) => r.reason === 'MINOR');
  const hidden = item.moderationState === 'UNDER_REVIEW';
  const headingId = `queue-${item.photo.id}`;
  return (
    <article className={`card queue-item${minor ? ' flagged' : ''}`} aria-labelledby={headingId}>
      <a href={`/photos/${item.photo.id}`} className="queue-thumb">
        <img src={item.photo.thumbnailUrl} alt="The reported photo" loading="lazy" />
      </a>
      <div className="queue-body">
        <h2 id={headingId}>
          {minor && <span className="badge minor">Looks under 18</span>}
          <span className={`badge${hidden ? ' hidden-state' : ''}`}>{hidden ? 'Hidden, under review' : 'Visible'}</span>
          <span className="visually-hidden"> photo {item.photo.id}</span>
        </h2>
        <p className="small">
          {item.reportCount} {item.reportCount === 1 ? 'report' : 'reports'}, {item.countedReports} counted · first on{' '}
          {when(item.reportedAt)} · {item.photo.isPublic ? 'public' : 'private'} photo
        </p>
        <ul className="reports">
          {item.reports.map((r) => (
            <li key={r.id} className={r.reason === 'MINOR' ? 'minor' : undefined}>
              <strong>{reasonLabel(r.reason)}</strong>
              <span className="small">
                {' '}
                · {r.reporter ? r.reporter.handle : 'an anonymous judge'} · {when(r.createdAt)}
                {r.counted ? ' · counted' : ' · not counted'}
              </span>
              {r.note && <p className="note">{r.note}</p>}
            </li>
          ))}
        </ul>
        {children}
      </div>
    </article>
  );
}

export function LogView({ entries }: { entries: readonly ModerationLogEntryFieldsFragment[] }) {
  if (entries.length === 0) return <p className="small">No moderator has acted yet.</p>;
  return (
    <ol className="mod-log">
      {entries.map((e) => (
        <li key={e.id}>
          <p>
            <strong className="actor">{e.actor}</strong> {actionDone(e.action)}{' '}
            <a href={`/photos/${e.photoId}`}>photo {shortId(e.photoId)}</a>{' '}
            <span className="small">
              · <time dateTime={e.createdAt}>{when(e.createdAt)}</time>
            </span>
          </p>
          {e.note && <p className="note">{e.note}</p>}
        </li>
      ))}
    </ol>
  );
}

/** The end of an opaque id, enough to tell photos apart in the log. */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-8)}` : id;
}
