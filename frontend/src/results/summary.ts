// The one-line, plain-language verdict on a photo:
// "Most people see a trustworthy, happy 29-year-old."

export interface SummaryInput {
  question: { key: string; prompt: string; kind: string };
  count: number;
  median?: number | null;
  yesShare?: number | null;
}

/** The adjective a yes/no question asks about: "Do they look trustworthy?" → "trustworthy". */
export function traitWord(q: { key: string; prompt: string }): string {
  const m = /\blook\s+([a-z-]+)\s*\??\s*$/i.exec(q.prompt);
  return (m ? m[1] : q.key).toLowerCase();
}

/** "a" or "an", by how the next word sounds (an 8-year-old, an 18-year-old, a 1-year-old). */
export function article(next: string): 'a' | 'an' {
  const digits = /^\d+/.exec(next)?.[0];
  if (digits) {
    if (digits.startsWith('8')) return 'an';
    if (digits === '11' || digits === '18') return 'an';
    if (/^(11|18)\d\d\d$/.test(digits)) return 'an';
    return 'a';
  }
  return /^[aeiou]/i.test(next) ? 'an' : 'a';
}

/**
 * The summary sentence, or null while there is nothing to say. Traits
 * are those most judges said yes to (strongest first, at most three); the
 * age is the median guess.
 */
export function summarize(stats: SummaryInput[], maxTraits = 3): string | null {
  const traits = stats
    .filter((s) => s.question.kind === 'YES_NO' && s.count > 0 && s.yesShare != null && s.yesShare > 0.5)
    .sort((a, b) => (b.yesShare ?? 0) - (a.yesShare ?? 0) || a.question.key.localeCompare(b.question.key))
    .slice(0, maxTraits)
    .map((s) => traitWord(s.question));
  const age = stats.find((s) => s.question.key === 'age' && s.question.kind === 'NUMBER' && s.count > 0 && s.median != null);
  const noun = age ? `${Math.round(age.median!)}-year-old` : 'person';
  if (traits.length === 0 && !age) return null;
  const phrase = [traits.join(', '), noun].filter(Boolean).join(' ');
  return `Most people see ${article(phrase)} ${phrase}.`;
}
