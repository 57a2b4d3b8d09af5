import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_TABS } from './example';

const schema = buildSchema(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8'));

describe("GraphiQL's example tabs", () => {
  it('are valid against schema.graphql, with JSON variables', () => {
    expect(EXAMPLE_TABS.length).toBeGreaterThanOrEqual(4);
    for (const tab of EXAMPLE_TABS) {
      expect(validate(schema, parse(tab.query)).map((e) => e.message)).toEqual([]);
      if (tab.variables) expect(() => JSON.parse(tab.variables)).not.toThrow();
    }
  });

  it('show public photos, judging and a subscription', () => {
    const all = EXAMPLE_TABS.map((t) => t.query).join('\n');
    for (const op of ['photos(', 'nextPhoto', 'castVote(', 'subscription PhotoStats']) expect(all).toContain(op);
  });
});
