// The results' charts: an SVG histogram (with median and typical range),
// yes/no bars with their intervals, and a word cloud. Each carries a text
// equivalent for screen readers.
import type { ResultsStatsFragment } from '../gql/graphql';
import { binBuckets, scaleBins } from './histogram';

type QStats = ResultsStatsFragment['questions'][number];

export function fmt(x: number, digits = 1): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

export function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

const W = 320;
const H = 120;
const AXIS = 18;

/** A histogram of a NUMBER or SCALE question; marks the median and the interval when known. */
export function Histogram({ s, title, maxBins }: { s: QStats; title: string; maxBins?: number }) {
  const min = s.question.min ?? Math.min(...(s.histogram ?? []).map((b) => b.value), 0);
  const max = s.question.max ?? Math.max(...(s.histogram ?? []).map((b) => b.value), 1);
  const bins = binBuckets(s.histogram ?? [], min, max, maxBins ?? (max - min + 1 <= 12 ? max - min + 1 : 20));
  const { bars, xOf } = scaleBins(bins, W, H - AXIS - 4);
  const chartTop = 4;
  const desc = [
    s.median != null ? `median ${fmt(s.median)}` : null,
    s.interval ? `${Math.round(s.interval.level * 100)}% range of the average ${fmt(s.interval.low)} to ${fmt(s.interval.high)}` : null,
    bins
      .filter((b) => b.count > 0)
      .map((b) => `${b.from === b.to ? b.from : `${b.from}–${b.to}`}: ${b.count}`)
      .join(', '),
  ]
    .filter(Boolean)
    .join('; ');
  const labelEvery = Math.ceil(bins.length / 10);
  return (
    <svg className="histogram" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${desc}`}>
      {s.interval && (
        <rect
          className="interval-band"
          x={xOf(s.interval.low)}
          y={chartTop}
          width={Math.max(2, xOf(s.interval.high) - xOf(s.interval.low))}
          height={H - AXIS - chartTop}
        />
      )}
      {bars.map((b) => (
        <rect key={b.from} className="bar" x={b.x} y={b.y + chartTop} width={b.width} height={b.height}>
          <title>{`${b.from === b.to ? b.from : `${b.from}–${b.to}`}: ${b.count}`}</title>
        </rect>
      ))}
      {s.median != null && (
        <line className="median" x1={xOf(s.median)} x2={xOf(s.median)} y1={chartTop - 2} y2={H - AXIS} />
      )}
      <line className="axis" x1={0} x2={W} y1={H - AXIS + 0.5} y2={H - AXIS + 0.5} />
      {bars.map((b, i) =>
        i % labelEvery === 0 ? (
          <text key={b.from} className="tick" x={b.x + b.width / 2} y={H - 4} textAnchor="middle">
            {b.from}
          </text>
        ) : null,
      )}
    </svg>
  );
}

/** A yes/no share as a bar, with its interval as a whisker. */
export function ShareBar({ s }: { s: QStats }) {
  const share = s.yesShare ?? 0;
  const low = s.interval?.low;
  const high = s.interval?.high;
  return (
    <div className="share">
      <div className="share-track" aria-hidden="true">
        <span className="share-fill" style={{ width: pct(share) }} />
        {low != null && high != null && (
          <span className="share-interval" style={{ left: pct(low), width: pct(Math.max(0, high - low)) }} />
        )}
        <span className="share-mid" />
      </div>
      <span className="share-text">
        {pct(share)} yes
        {low != null && high != null && (
          <span className="small">
            {' '}
            (likely {pct(low)}–{pct(high)})
          </span>
        )}
      </span>
    </div>
  );
}

/** Words sized by how many gave them, most given first. */
export function WordCloud({ words }: { words: { word: string; count: number }[] }) {
  if (words.length === 0) return <p className="small">No words yet.</p>;
  const top = Math.max(...words.map((w) => w.count));
  const bottom = Math.min(...words.map((w) => w.count));
  const size = (c: number) => (top === bottom ? 1.4 : 0.9 + ((c - bottom) / (top - bottom)) * 1.5);
  return (
    <ul className="cloud" aria-label="First impressions, most given first">
      {words.map((w) => (
        <li key={w.word} style={{ fontSize: `${size(w.count).toFixed(2)}rem` }}>
          {w.word}
          <span className="visually-hidden">
            : {w.count} {w.count === 1 ? 'judge' : 'judges'}
          </span>
        </li>
      ))}
    </ul>
  );
}
