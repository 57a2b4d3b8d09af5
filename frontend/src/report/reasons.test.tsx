import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { Client, Provider } from 'urql';
import { NOTE_MAX, REPORT_REASONS, noteLength, reasonLabel, reportProblem } from './reasons';
import { ReportButton } from './ReportDialog';

describe('report reasons', () => {
  it('offers the five reasons of the schema, MINOR in plain words', () => {
    expect(REPORT_REASONS.map((r) => r.value).sort()).toEqual(['HARASSMENT', 'MINOR', 'NUDITY', 'OTHER', 'SPAM']);
    expect(reasonLabel('MINOR')).toBe('Looks under 18');
  });
  it('counts a note in characters as the server does, not UTF-16 units', () => {
    expect(noteLength('😀'.repeat(NOTE_MAX))).toBe(NOTE_MAX);
    expect('😀'.repeat(NOTE_MAX).length).toBe(2 * NOTE_MAX);
  });
});

describe('reportProblem', () => {
  it('says a repeated report was already sent (CONFLICT)', () => {
    expect(reportProblem({ code: 'CONFLICT' })).toMatch(/already reported this photo/);
  });
  it('says when to retry after RATE_LIMITED', () => {
    expect(reportProblem({ code: 'RATE_LIMITED', retryAfter: 30 })).toMatch(/Try again in 30 s/);
    expect(reportProblem({ code: 'RATE_LIMITED', retryAfter: 600 })).toMatch(/Try again in 10 min/);
  });
  it('says the photo is gone (NOT_FOUND)', () => {
    expect(reportProblem({ code: 'NOT_FOUND' })).toMatch(/gone/);
  });
  it('names the note limit for TOO_LONG', () => {
    expect(reportProblem({ code: 'BAD_USER_INPUT', reason: 'TOO_LONG', field: 'input.note' })).toMatch(/500 characters/);
  });
  it('tells an owner they cannot report their own photo (FORBIDDEN), unless the page is stale (CSRF)', () => {
    expect(reportProblem({ code: 'FORBIDDEN' })).toBe('You cannot report your own photo.');
    expect(reportProblem({ code: 'FORBIDDEN', reason: 'CSRF_TOKEN_INVALID' })).toMatch(/Reload/);
  });
  it('says so when offline', () => {
    expect(reportProblem({ network: true })).toMatch(/Cannot reach FaceStat/);
  });
});

describe('ReportButton', () => {
  it('renders a button that opens a labelled dialog with every reason and a note counter', () => {
    const client = new Client({ url: 'http://localhost/graphql', exchanges: [] });
    const html = renderToStaticMarkup(
      <Provider value={client}>
        <ReportButton photoId="p1" onReported={() => undefined} />
      </Provider>,
    );
    expect(html).toMatch(/<button[^>]*aria-haspopup="dialog"[^>]*>.*Report<\/button>/);
    expect(html).toMatch(/<dialog[^>]*aria-labelledby="[^"]+"/);
    for (const r of REPORT_REASONS) expect(html).toContain(`value="${r.value}"`);
    expect(html).toContain(`0 / ${NOTE_MAX}`);
  });
});
