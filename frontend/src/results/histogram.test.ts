import { describe, expect, it } from 'vitest';
import { binBuckets, quantile, scaleBins } from './histogram';

describe('binBuckets', () => {
  it('keeps one bin per value for a 1-10 scale, empty values included', () => {
    const bins = binBuckets([{ value: 3, count: 2 }, { value: 10, count: 1 }], 1, 10, 10);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 2, 0, 0, 0, 0, 0, 0, 1]);
    expect(bins[0]).toMatchObject({ from: 1, to: 1 });
  });
  it('groups ages 1-100 into 20 bins of 5', () => {
    const bins = binBuckets([{ value: 29, count: 3 }, { value: 30, count: 1 }, { value: 31, count: 2 }, { value: 100, count: 1 }], 1, 100, 20);
    expect(bins).toHaveLength(20);
    expect(bins[5]).toEqual({ from: 26, to: 30, count: 4 });
    expect(bins[6]).toEqual({ from: 31, to: 35, count: 2 });
    expect(bins[19]).toEqual({ from: 96, to: 100, count: 1 });
  });
  it('clamps answers outside the range into the end bins', () => {
    const bins = binBuckets([{ value: -4, count: 1 }, { value: 400, count: 1 }], 1, 10, 10);
    expect(bins[0].count).toBe(1);
    expect(bins[9].count).toBe(1);
  });
});

describe('scaleBins', () => {
  const bins = binBuckets([{ value: 1, count: 4 }, { value: 2, count: 1 }], 1, 4, 4);
  const { bars, xOf } = scaleBins(bins, 400, 100, 0, 2);
  it('scales the tallest bin to the full height and the others in proportion', () => {
    expect(bars.map((b) => b.height)).toEqual([100, 25, 0, 0]);
    expect(bars[1].y).toBe(75);
  });
  it('lays bins out in equal slots', () => {
    expect(bars.map((b) => b.x)).toEqual([0, 100, 200, 300]);
    expect(bars.every((b) => b.width === 100)).toBe(true);
  });
  it('keeps a lone answer visible next to a tall bin', () => {
    const b = scaleBins(binBuckets([{ value: 1, count: 1000 }, { value: 2, count: 1 }], 1, 2, 2), 100, 100, 0, 3).bars;
    expect(b[1].height).toBe(3);
  });
  it('places values in the middle of their slot', () => {
    expect(xOf(1)).toBe(50);
    expect(xOf(2.5)).toBe(200);
    expect(xOf(99)).toBe(400); // clamped to the edge
  });
  it('draws nothing tall when there are no answers', () => {
    expect(scaleBins(binBuckets([], 1, 10, 10), 100, 50).bars.every((b) => b.height === 0)).toBe(true);
  });
});

describe('quantile', () => {
  it('reads quartiles from the counts', () => {
    const h = [{ value: 20, count: 1 }, { value: 30, count: 2 }, { value: 40, count: 1 }];
    expect(quantile(h, 0.25)).toBe(20);
    expect(quantile(h, 0.5)).toBe(30);
    expect(quantile(h, 0.75)).toBe(30);
    expect(quantile([], 0.5)).toBeNull();
  });
});
