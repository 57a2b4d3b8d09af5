// The viewer's karma and, in words, what earns it and what it buys. No
// formula: spelling out what counts as careful would teach bots to fake it.

export const KARMA_EARNS =
  'You earn karma by judging carefully: take a real look at each photo and answer honestly what you see. Hurried or careless judging earns less.';
export const KARMA_BUYS =
  'Karma gets your own photos shown to judges sooner. Every photo gets its first 10 votes whatever your karma; after that, the votes your photos receive spend it.';

interface Props {
  karma: number;
  /** A line that opens on request (the judging page) instead of a card. */
  compact?: boolean;
  onToggle?: () => void;
}

export function KarmaNote({ karma, compact = false, onToggle }: Props) {
  if (compact) {
    return (
      <details className="karma" onToggle={onToggle}>
        <summary>
          Your karma: <strong>{karma}</strong>
        </summary>
        <p>{KARMA_EARNS}</p>
        <p>{KARMA_BUYS}</p>
      </details>
    );
  }
  return (
    <section className="card karma" aria-labelledby="karma-title">
      <h2 id="karma-title">
        Your karma: <strong>{karma}</strong>
      </h2>
      <p>{KARMA_EARNS}</p>
      <p>{KARMA_BUYS}</p>
    </section>
  );
}
