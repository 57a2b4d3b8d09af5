import { describe, expect, it } from 'vitest';
import { KARMA_REFRESH_MS, karmaDue } from './karma';

describe('karmaDue', () => {
  const last = 1_000_000;
  it('waits KARMA_REFRESH_MS after the karma was last asked for', () => {
    expect(karmaDue(last, last)).toBe(false);
    expect(karmaDue(last + KARMA_REFRESH_MS - 1, last)).toBe(false);
    expect(karmaDue(last + KARMA_REFRESH_MS, last)).toBe(true);
    expect(karmaDue(last + 10 * KARMA_REFRESH_MS, last)).toBe(true);
  });
  it('takes another interval', () => {
    expect(karmaDue(last + 499, last, 500)).toBe(false);
    expect(karmaDue(last + 500, last, 500)).toBe(true);
  });
  it('is due when the clock was set back', () => {
    expect(karmaDue(last - 1, last)).toBe(true);
  });
});
