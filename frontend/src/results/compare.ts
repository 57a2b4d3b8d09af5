// Comparing an owner's photos question by question: one sentence per
// question saying which photo is seen as more trustworthy, older, and so on,
// or that it is too close to call. Pure, so it stays tested.
import { traitWord } from './summary';

export interface Side {
  /** How the page names the photo, e.g. "Photo 1". */
  label: string;
  /** The 95% credible interval of the mean answer (or share of yes); null without answers. */
  interval?: { low: number; high: number } | null;
}

export interface ComparedQuestion {
  key: string;
  prompt: string;
  kind: string;
}

const COMPARATIVE: Record<string, [string, string]> = {
  happy: ['happier', 'the happiest'],
  friendly: ['friendlier', 'the friendliest'],
};

/** "more trustworthy" (two photos) or "the most trustworthy" (more). */
function degree(trait: string, many: boolean): string {
  const irregular = COMPARATIVE[trait];
  if (irregular) return many ? irregular[1] : irregular[0];
  return many ? `the most ${trait}` : `more ${trait}`;
}

function isAge(q: ComparedQuestion): boolean {
  return q.kind === 'NUMBER' && (q.key === 'age' || /\bhow old\b/i.test(q.prompt));
}

/** How the leader stands out, e.g. "is seen as more attractive than Photo 2". */
function verdict(q: ComparedQuestion, leader: string, others: string[]): string {
  const many = others.length > 1;
  const than = many ? '' : ` than ${others[0]}`;
  if (isAge(q)) return `${leader} looks ${many ? 'the oldest' : 'older'}${than}.`;
  if (q.kind === 'NUMBER') return `${leader} gets ${many ? 'the highest' : 'higher'} answers${than}.`;
  return `${leader} is seen as ${degree(traitWord(q), many)}${than}.`;
}

function overlap(a: { low: number; high: number }, b: { low: number; high: number }): boolean {
  return a.low <= b.high && b.low <= a.high;
}

function list(names: string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The sentence for one question (NUMBER, SCALE, YES_NO; null for WORD):
 * the photo whose interval lies wholly above every other's is named;
 * when the highest one's interval overlaps another's, it is too close to
 * call between them.
 */
export function compareSentence(q: ComparedQuestion, sides: readonly Side[]): string | null {
  if (q.kind === 'WORD') return null;
  const known = sides.filter((s): s is Side & { interval: { low: number; high: number } } => s.interval != null);
  if (known.length < 2) return 'Not enough answers to compare yet.';
  const mid = (s: (typeof known)[number]) => (s.interval.low + s.interval.high) / 2;
  const [leader, ...rest] = [...known].sort((a, b) => mid(b) - mid(a));
  const close = rest.filter((s) => overlap(leader.interval, s.interval));
  if (close.length > 0) {
    return `Too close to call between ${list([leader, ...close].map((s) => s.label))}: their 95% intervals overlap.`;
  }
  const missing = sides.length - known.length;
  const note = missing > 0 ? ` (${missing === 1 ? 'one photo has' : `${missing} photos have`} no answers yet)` : '';
  return verdict(q, leader.label, rest.map((s) => s.label)).replace(/\.$/, `${note}.`);
}
