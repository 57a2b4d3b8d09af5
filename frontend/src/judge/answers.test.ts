import { describe, expect, it } from 'vitest';
import {
  canSubmit,
  cleanWord,
  currentYesNo,
  isValid,
  keyAction,
  stepAfterTap,
  toAnswerInputs,
  type SurveyQuestion,
} from './answers';

const survey: SurveyQuestion[] = [
  { key: 'age', prompt: 'How old?', kind: 'NUMBER', min: 1, max: 100 },
  { key: 'attractive', prompt: 'Attractive?', kind: 'SCALE', min: 1, max: 10 },
  { key: 'trustworthy', prompt: 'Trustworthy?', kind: 'YES_NO' },
  { key: 'intelligent', prompt: 'Intelligent?', kind: 'YES_NO' },
  { key: 'impression', prompt: 'One word', kind: 'WORD' },
];

describe('keyAction', () => {
  it('skips the photo with S, either case, but not while typing or with a modifier', () => {
    expect(keyAction({ key: 's' }, survey, {})).toEqual({ type: 'skip' });
    expect(keyAction({ key: 'S' }, survey, {})).toEqual({ type: 'skip' });
    expect(keyAction({ key: 's', inTextField: true }, survey, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: 's', ctrlKey: true }, survey, {})).toEqual({ type: 'ignore' });
  });

  it('rates the scale question with 1-9, and 0 means 10', () => {
    expect(keyAction({ key: '7' }, survey, {})).toEqual({ type: 'answer', key: 'attractive', value: 7 });
    expect(keyAction({ key: '1' }, survey, {})).toEqual({ type: 'answer', key: 'attractive', value: 1 });
    expect(keyAction({ key: '0' }, survey, {})).toEqual({ type: 'answer', key: 'attractive', value: 10 });
  });

  it('answers the yes/no questions in order with Y and N, either case', () => {
    expect(keyAction({ key: 'y' }, survey, {})).toEqual({ type: 'answer', key: 'trustworthy', value: true });
    expect(keyAction({ key: 'N' }, survey, { trustworthy: true })).toEqual({
      type: 'answer',
      key: 'intelligent',
      value: false,
    });
  });

  it('lets Y/N correct the last yes/no question once all are answered', () => {
    const all = { trustworthy: true, intelligent: true };
    expect(keyAction({ key: 'n' }, survey, all)).toEqual({ type: 'answer', key: 'intelligent', value: false });
  });

  it('submits on Enter, even from a text field', () => {
    expect(keyAction({ key: 'Enter' }, survey, {})).toEqual({ type: 'submit' });
    expect(keyAction({ key: 'Enter', inTextField: true }, survey, {})).toEqual({ type: 'submit' });
  });

  it('leaves typing in a text field alone', () => {
    expect(keyAction({ key: '4', inTextField: true }, survey, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: 'y', inTextField: true }, survey, {})).toEqual({ type: 'ignore' });
  });

  it('ignores shortcuts with modifiers and unrelated keys', () => {
    expect(keyAction({ key: 'n', ctrlKey: true }, survey, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: '5', metaKey: true }, survey, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: 'x' }, survey, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: 'Tab' }, survey, {})).toEqual({ type: 'ignore' });
  });

  it('ignores keys for question kinds the survey lacks, and values out of range', () => {
    const ageOnly = survey.slice(0, 1);
    expect(keyAction({ key: '5' }, ageOnly, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: 'y' }, ageOnly, {})).toEqual({ type: 'ignore' });
    const fiveStars: SurveyQuestion[] = [{ key: 'stars', prompt: 'Stars', kind: 'SCALE', min: 1, max: 5 }];
    expect(keyAction({ key: '0' }, fiveStars, {})).toEqual({ type: 'ignore' });
    expect(keyAction({ key: '5' }, fiveStars, {})).toEqual({ type: 'answer', key: 'stars', value: 5 });
  });
});

describe('currentYesNo', () => {
  it('is the first unanswered yes/no question', () => {
    expect(currentYesNo(survey, {})?.key).toBe('trustworthy');
    expect(currentYesNo(survey, { trustworthy: false })?.key).toBe('intelligent');
    expect(currentYesNo(survey, { intelligent: false })?.key).toBe('trustworthy');
  });
});

describe('toAnswerInputs', () => {
  it('sets exactly the one value field of each kind, in survey order', () => {
    const inputs = toAnswerInputs(survey, {
      impression: '  Friendly ',
      trustworthy: false,
      attractive: 8,
      age: 31,
    });
    expect(inputs).toEqual([
      { questionKey: 'age', number: 31 },
      { questionKey: 'attractive', number: 8 },
      { questionKey: 'trustworthy', yes: false },
      { questionKey: 'impression', word: 'Friendly' },
    ]);
  });

  it('drops unanswered and invalid answers', () => {
    expect(
      toAnswerInputs(survey, { age: 0, attractive: 11, trustworthy: 'yes', impression: 'two words' } as never),
    ).toEqual([]);
    expect(toAnswerInputs(survey, { age: 12.5, impression: '' })).toEqual([]);
  });

  it('needs one valid answer to submit', () => {
    expect(canSubmit(survey, {})).toBe(false);
    expect(canSubmit(survey, { age: 101 })).toBe(false);
    expect(canSubmit(survey, { intelligent: true })).toBe(true);
  });
});

describe('words', () => {
  it('accepts one word of letters, up to 24', () => {
    const word = survey[4];
    expect(isValid(word, 'Café')).toBe(true);
    expect(isValid(word, 'a'.repeat(24))).toBe(true);
    expect(isValid(word, 'a'.repeat(25))).toBe(false);
    expect(isValid(word, 'hi!')).toBe(false);
  });

  it('cleans what is typed down to letters', () => {
    expect(cleanWord('nice guy!')).toBe('niceguy');
    expect(cleanWord('x'.repeat(30))).toHaveLength(24);
  });
});

describe('stepAfterTap', () => {
  it('moves on after a pick on a scale or yes/no question', () => {
    expect(stepAfterTap(survey, 1, 7)).toBe(2);
    expect(stepAfterTap(survey, 2, false)).toBe(3);
  });

  it('stays on a number or word question, on a cleared answer and on the last question', () => {
    expect(stepAfterTap(survey, 0, 34)).toBe(0);
    expect(stepAfterTap(survey, 4, 'kind')).toBe(4);
    expect(stepAfterTap(survey, 2, undefined)).toBe(2);
    const lastYesNo = survey.slice(0, 4);
    expect(stepAfterTap(lastYesNo, 3, true)).toBe(3);
  });
});
