import { describe, expect, it } from 'vitest';
import { parseFrontData } from './frontData';

describe('parseFrontData', () => {
  it('reads the JSON the server inlines', () => {
    const d = parseFrontData(
      '{"recent":[{"id":"P1","imageUrl":"/i/1","thumbnailUrl":"/t/1","width":800,"height":1000,"voteCount":3,"postedBy":{"handle":"ann"}}],"top":[],"generatedAt":"2026-01-01T00:00:00Z"}',
    );
    expect(d?.recent[0]).toEqual({ id: 'P1', imageUrl: '/i/1', thumbnailUrl: '/t/1', width: 800, height: 1000, voteCount: 3, postedBy: { handle: 'ann' } });
    expect(d?.top).toEqual([]);
  });
  it('is null when absent or malformed, so the page queries instead', () => {
    expect(parseFrontData(null)).toBeNull();
    expect(parseFrontData('')).toBeNull();
    expect(parseFrontData('{not json')).toBeNull();
    expect(parseFrontData('{"other":1}')).toBeNull();
  });
  it('drops entries that are not photos', () => {
    expect(parseFrontData('{"recent":[{"id":1},null],"top":null}')).toEqual({ recent: [], top: [] });
  });
});
