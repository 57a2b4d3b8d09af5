// What a judge has answered so far and what each key press does: pure
// functions, so the judging page stays thin and this stays tested.
import type { AnswerInput, QuestionKind } from '../gql/graphql';

export interface SurveyQuestion {
  key: string;
  prompt: string;
  kind: QuestionKind;
  min?: number | null;
  max?: number | null;
}

export type AnswerValue = number | boolean | string;
export type Answers = Readonly<Record<string, AnswerValue>>;

export const WORD_MAX = 24;
const LETTERS = /^\p{L}+$/u;

export function bounds(q: SurveyQuestion): { min: number; max: number } {
  const fallback = q.kind === 'SCALE' ? { min: 1, max: 10 } : { min: 1, max: 100 };
  return { min: q.min ?? fallback.min, max: q.max ?? fallback.max };
}

/** Whether value is an acceptable answer to q (as the server would judge it). */
export function isValid(q: SurveyQuestion, value: AnswerValue | undefined): boolean {
  switch (q.kind) {
    case 'NUMBER':
    case 'SCALE': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return false;
      const { min, max } = bounds(q);
      return value >= min && value <= max;
    }
    case 'YES_NO':
      return typeof value === 'boolean';
    case 'WORD': {
      if (typeof value !== 'string') return false;
      const w = value.trim();
      return w.length > 0 && [...w].length <= WORD_MAX && LETTERS.test(w);
    }
  }
}

/** Keeps only letters of a typed word, at most WORD_MAX of them. */
export function cleanWord(typed: string): string {
  return [...typed.replace(/[^\p{L}]/gu, '')].slice(0, WORD_MAX).join('');
}

/**
 * The castVote answers: one per valid answered question, in survey order,
 * each setting only the value field its kind takes.
 */
export function toAnswerInputs(questions: readonly SurveyQuestion[], answers: Answers): AnswerInput[] {
  const out: AnswerInput[] = [];
  for (const q of questions) {
    const v = answers[q.key];
    if (v === undefined || !isValid(q, v)) continue;
    switch (q.kind) {
      case 'NUMBER':
      case 'SCALE':
        out.push({ questionKey: q.key, number: v as number });
        break;
      case 'YES_NO':
        out.push({ questionKey: q.key, yes: v as boolean });
        break;
      case 'WORD':
        out.push({ questionKey: q.key, word: (v as string).trim() });
        break;
    }
  }
  return out;
}

/** castVote needs at least one answer. */
export function canSubmit(questions: readonly SurveyQuestion[], answers: Answers): boolean {
  return toAnswerInputs(questions, answers).length > 0;
}

/**
 * The yes/no question that Y and N answer: the first unanswered one, or
 * (all answered) the last one, so that a second press corrects it.
 */
export function currentYesNo(questions: readonly SurveyQuestion[], answers: Answers): SurveyQuestion | undefined {
  const yn = questions.filter((q) => q.kind === 'YES_NO');
  return yn.find((q) => answers[q.key] === undefined) ?? yn[yn.length - 1];
}

/** The scale question that number keys answer: the first SCALE question. */
export function currentScale(questions: readonly SurveyQuestion[]): SurveyQuestion | undefined {
  return questions.find((q) => q.kind === 'SCALE');
}

/**
 * The question a one-question-at-a-time survey (the judging page on a
 * phone) shows after the judge tapped an answer to the question at index:
 * the next one after a pick on a scale or yes/no (one tap answers those),
 * else the same one (a number or word is still being edited, and clearing
 * an answer stays put).
 */
export function stepAfterTap(questions: readonly SurveyQuestion[], index: number, value: AnswerValue | undefined): number {
  const q = questions[index];
  if (!q || value === undefined || (q.kind !== 'SCALE' && q.kind !== 'YES_NO')) return index;
  return Math.min(index + 1, questions.length - 1);
}

export type KeyResult =
  | { type: 'answer'; key: string; value: AnswerValue }
  | { type: 'submit' }
  | { type: 'skip' }
  | { type: 'ignore' };

export interface KeyPress {
  key: string;
  /** Typing into a text or number field: only Enter means anything then. */
  inTextField?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/**
 * What a key press does on the judging page: 1-9 and 0 (= 10) rate the
 * scale question, Y/N answer the current yes/no question, Enter submits,
 * S skips the photo (outside text fields).
 */
export function keyAction(press: KeyPress, questions: readonly SurveyQuestion[], answers: Answers): KeyResult {
  if (press.ctrlKey || press.metaKey || press.altKey) return { type: 'ignore' };
  if (press.key === 'Enter') return { type: 'submit' };
  if (press.inTextField) return { type: 'ignore' };
  if (/^[0-9]$/.test(press.key)) {
    const q = currentScale(questions);
    if (!q) return { type: 'ignore' };
    const digit = Number(press.key);
    const value = digit === 0 ? 10 : digit;
    if (!isValid(q, value)) return { type: 'ignore' };
    return { type: 'answer', key: q.key, value };
  }
  const lower = press.key.toLowerCase();
  if (lower === 's') return { type: 'skip' };
  if (lower === 'y' || lower === 'n') {
    const q = currentYesNo(questions, answers);
    if (!q) return { type: 'ignore' };
    return { type: 'answer', key: q.key, value: lower === 'y' };
  }
  return { type: 'ignore' };
}

/** Share 0..1 as a whole percentage. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
