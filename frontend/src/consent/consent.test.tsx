import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { Client, Provider } from 'urql';
import { CONSENT_ITEMS, NO_CONSENT, consentComplete, needsConsent } from './consent';
import { ConsentPrompt } from './ConsentPrompt';
import { readFileSync } from 'node:fs';

describe('consent', () => {
  it('asks the owner only when the server says none was given (null)', () => {
    expect(needsConsent({ consent: null })).toBe(true);
    expect(needsConsent({ consent: { showsMe: true, adult: true, acceptsJudging: true, givenAt: '2026-12-06T10:00:00Z' } })).toBe(false);
    // Not read (the status query failed or has not answered): nothing is asked.
    expect(needsConsent({})).toBe(false);
    expect(needsConsent(undefined)).toBe(false);
    expect(needsConsent(null)).toBe(false);
  });

  it('is complete with all three only', () => {
    expect(consentComplete(NO_CONSENT)).toBe(false);
    expect(consentComplete({ showsMe: true, adult: true, acceptsJudging: false })).toBe(false);
    expect(consentComplete({ showsMe: true, adult: true, acceptsJudging: true })).toBe(true);
  });

  it('covers the three consents of the schema', () => {
    expect(CONSENT_ITEMS.map((i) => i.key).sort()).toEqual(['acceptsJudging', 'adult', 'showsMe']);
  });

  it('the prompt and the upload form use the same words', () => {
    const client = new Client({ url: 'http://localhost/graphql', exchanges: [] });
    const html = renderToStaticMarkup(
      <Provider value={client}>
        <ConsentPrompt photoId="ph1" />
      </Provider>,
    );
    expect(html.match(/type="checkbox"/g)).toHaveLength(3);
    const upload = readFileSync(new URL('../upload/UploadPage.tsx', import.meta.url), 'utf8');
    expect(upload).toContain('CONSENT_ITEMS.map');
    for (const item of CONSENT_ITEMS) expect(html).toContain(item.label.replace('(', '(').replace(/'/g, '&#x27;'));
    expect(html).toMatch(/<button type="submit" class="primary" disabled="">Confirm<\/button>/);
  });
});
