// Histogram geometry, kept pure so it can be tested: buckets into bins
// over the question's whole range, bar heights scaled to the tallest bin.

export interface Bucket {
  value: number;
  count: number;
}

export interface Bin {
  /** Smallest and largest answer in the bin (inclusive). */
  from: number;
  to: number;
  count: number;
}

/** Groups buckets into at most maxBins bins of equal width covering min..max (answers outside are clamped in). */
export function binBuckets(buckets: Bucket[], min: number, max: number, maxBins = 20): Bin[] {
  if (max < min) [min, max] = [max, min];
  const span = max - min + 1;
  const width = Math.max(1, Math.ceil(span / Math.max(1, maxBins)));
  const n = Math.ceil(span / width);
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({
    from: min + i * width,
    to: Math.min(max, min + (i + 1) * width - 1),
    count: 0,
  }));
  for (const b of buckets) {
    const v = Math.min(max, Math.max(min, Math.round(b.value)));
    bins[Math.floor((v - min) / width)].count += b.count;
  }
  return bins;
}

export interface Bar extends Bin {
  x: number;
  width: number;
  /** Height in chart units; 0 for an empty bin. */
  height: number;
  y: number;
}

export interface Scale {
  bars: Bar[];
  /** The x of an answer value (the middle of its slot), for markers like the median. */
  xOf: (value: number) => number;
}

/**
 * Lays bins out in a chart of width × height: equal slots with a gap,
 * the tallest bin at full height, every non-empty bin at least minBar tall
 * so a single answer stays visible.
 */
export function scaleBins(bins: Bin[], width: number, height: number, gap = 2, minBar = 2): Scale {
  const slot = bins.length > 0 ? width / bins.length : width;
  const top = Math.max(0, ...bins.map((b) => b.count));
  const bars = bins.map((b, i) => {
    const h = top === 0 || b.count === 0 ? 0 : Math.max(minBar, (b.count / top) * height);
    return { ...b, x: i * slot + gap / 2, width: Math.max(0, slot - gap), height: h, y: height - h };
  });
  const first = bins[0]?.from ?? 0;
  const last = bins[bins.length - 1]?.to ?? 0;
  const xOf = (value: number) => {
    if (bins.length === 0) return 0;
    const span = last - first + 1;
    const v = Math.min(last + 0.5, Math.max(first - 0.5, value));
    return ((v - first + 0.5) / span) * width;
  };
  return { bars, xOf };
}

/** The q-quantile (0..1) of the answers a histogram counts; null when empty. */
export function quantile(buckets: Bucket[], q: number): number | null {
  const sorted = [...buckets].filter((b) => b.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of sorted) {
    seen += b.count;
    if (seen >= rank) return b.value;
  }
  return sorted[sorted.length - 1].value;
}
