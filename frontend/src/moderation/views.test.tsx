import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ModerationLogEntryFieldsFragment, ModerationQueueItemFieldsFragment } from '../gql/graphql';
import { LogView, QueueItemView } from './views';

const attack = '<img src=x onerror=alert(1)>';

const item = (over: Partial<ModerationQueueItemFieldsFragment> = {}): ModerationQueueItemFieldsFragment => ({
  photo: { id: 'ph1', thumbnailUrl: '/images/t.jpg', isPublic: false },
  moderationState: 'UNDER_REVIEW',
  reportCount: 2,
  countedReports: 1,
  reportedAt: '2026-12-06T10:00:00Z',
  reports: [
    { id: 'r1', reason: 'OTHER', note: attack, counted: true, createdAt: '2026-12-06T10:00:00Z', reporter: { id: 'u1', handle: '<b>mallory</b>' } },
    { id: 'r2', reason: 'SPAM', note: null, counted: false, createdAt: '2026-12-06T10:01:00Z', reporter: null },
  ],
  ...over,
});

describe('moderation views render what strangers typed as text', () => {
  it('a report note and a reporter handle', () => {
    const html = renderToStaticMarkup(<QueueItemView item={item()} />);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;mallory&lt;/b&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>mallory');
    // The only image is the photo's thumbnail.
    expect(html.match(/<img /g)).toHaveLength(1);
  });
  it('a log note and an actor', () => {
    const entry: ModerationLogEntryFieldsFragment = {
      id: 'm1',
      actor: attack,
      action: 'RESTORE',
      photoId: 'ph1',
      ownerId: 'u9',
      note: attack,
      createdAt: '2026-12-06T10:05:00Z',
    };
    const html = renderToStaticMarkup(<LogView entries={[entry]} />);
    expect(html).not.toContain('<img');
    expect(html.split('&lt;img src=x onerror=alert(1)&gt;')).toHaveLength(3);
    expect(html).toContain('restored');
  });
});

describe('QueueItemView', () => {
  it('flags a MINOR report and says the photo is hidden', () => {
    const html = renderToStaticMarkup(
      <QueueItemView
        item={item({
          reports: [{ id: 'r3', reason: 'MINOR', note: null, counted: true, createdAt: '2026-12-06T10:00:00Z', reporter: null }],
        })}
      />,
    );
    expect(html).toContain('queue-item flagged');
    expect(html).toContain('Looks under 18');
    expect(html).toContain('Hidden, under review');
    expect(html).toContain('an anonymous judge');
  });
  it('shows counts and a visible photo without a flag', () => {
    const html = renderToStaticMarkup(<QueueItemView item={item({ moderationState: 'VISIBLE' })} />);
    expect(html).not.toContain('flagged');
    expect(html).toContain('Visible');
    expect(html).toContain("2 reports, 1 counted");
    expect(html).toContain('not counted');
  });
});
