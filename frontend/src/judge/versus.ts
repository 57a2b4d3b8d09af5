// "You vs the crowd": after a vote, each answer the judge gave beside the
// crowd's, in words, naming what any range is. Pure, so it stays tested.
import { quantile, type Bucket } from '../results/histogram';
import type { AnswerValue } from './answers';

export interface CrowdStats {
  question: { key: string; kind: string };
  count: number;
  mean?: number | null;
  yesShare?: number | null;
  histogram?: readonly Bucket[] | null;
  words?: readonly { word: string; count: number }[] | null;
}

/** A figure as people say it: whole numbers as they are, others to one decimal. */
export function say(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/**
 * The middle half of the answers a histogram counts: its lower and upper
 * quartiles (nearest rank), or null when it counts nothing.
 */
export function middleHalf(histogram: readonly Bucket[]): { low: number; high: number } | null {
  const low = quantile([...histogram], 0.25);
  const high = quantile([...histogram], 0.75);
  return low == null || high == null ? null : { low, high };
}

/**
 * The sentence comparing the judge's answer with the crowd's, or null when
 * there is nothing to compare (no answer, or no figure from the server).
 * `mean` is what "the crowd says" for numbers: the server's (weighted) mean.
 */
export function versusSentence(s: CrowdStats, yours: AnswerValue | undefined): string | null {
  if (yours === undefined || s.count < 1) return null;
  const first = s.count === 1;
  switch (s.question.kind) {
    case 'NUMBER':
    case 'SCALE': {
      if (typeof yours !== 'number') return null;
      if (first) return `You said ${yours}; you are the first to answer this.`;
      if (s.mean == null) return null;
      const head = `You said ${yours}; the crowd says ${say(s.mean)} on average`;
      const mid = s.histogram ? middleHalf(s.histogram) : null;
      if (!mid) return `${head}.`;
      if (mid.low === mid.high) return `${head}; at least half of the ${s.count} answers are ${mid.low}.`;
      return `${head}; the middle half of the ${s.count} answers lie between ${mid.low} and ${mid.high}.`;
    }
    case 'YES_NO': {
      if (typeof yours !== 'boolean') return null;
      const you = `You said ${yours ? 'yes' : 'no'}`;
      if (first) return `${you}; you are the first to answer this.`;
      if (s.yesShare == null) return null;
      return `${you}; ${Math.round(s.yesShare * 100)}% of the crowd says yes.`;
    }
    case 'WORD': {
      if (typeof yours !== 'string') return null;
      const you = `You said “${yours}”`;
      if (first) return `${you}; you are the first to answer this.`;
      const top = s.words?.[0];
      if (!top) return null;
      if (top.word.toLowerCase() === yours.toLowerCase()) return `${you}, the crowd’s most given word too.`;
      return `${you}; the crowd’s most given word: “${top.word}”.`;
    }
  }
  return null;
}
