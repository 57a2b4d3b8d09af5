import { describe, expect, it } from 'vitest';
import { middleHalf, say, versusSentence, type CrowdStats } from './versus';

const num = (histogram: { value: number; count: number }[], mean: number): CrowdStats => ({
  question: { key: 'age', kind: 'NUMBER' },
  count: histogram.reduce((n, b) => n + b.count, 0),
  mean,
  histogram,
});

describe('middleHalf', () => {
  it('is the lower and upper quartile by nearest rank', () => {
    // 20, 25, 25, 28, 30, 31, 31, 40: ranks 2 and 6.
    const h = [
      { value: 40, count: 1 },
      { value: 20, count: 1 },
      { value: 25, count: 2 },
      { value: 28, count: 1 },
      { value: 30, count: 1 },
      { value: 31, count: 2 },
    ];
    expect(middleHalf(h)).toEqual({ low: 25, high: 31 });
  });
  it('is null for an empty histogram', () => {
    expect(middleHalf([])).toBeNull();
    expect(middleHalf([{ value: 3, count: 0 }])).toBeNull();
  });
});

describe('say', () => {
  it('drops a zero decimal and keeps one otherwise', () => {
    expect(say(28)).toBe('28');
    expect(say(27.96)).toBe('28');
    expect(say(28.44)).toBe('28.4');
  });
});

describe('versusSentence', () => {
  const h = [
    { value: 25, count: 2 },
    { value: 28, count: 1 },
    { value: 31, count: 1 },
  ];
  it('numbers: your answer, the mean and the middle half, named', () => {
    expect(versusSentence(num(h, 27.25), 31)).toBe(
      'You said 31; the crowd says 27.3 on average; the middle half of the 4 answers lie between 25 and 28.',
    );
  });
  it('numbers: a middle half of one value says so', () => {
    expect(versusSentence(num([{ value: 7, count: 3 }, { value: 9, count: 1 }], 7.5), 9)).toBe(
      'You said 9; the crowd says 7.5 on average; at least half of the 4 answers are 7.',
    );
  });
  it('the only answer is the judge’s own', () => {
    expect(versusSentence(num([{ value: 31, count: 1 }], 31), 31)).toBe('You said 31; you are the first to answer this.');
    expect(versusSentence({ question: { key: 'happy', kind: 'YES_NO' }, count: 1, yesShare: 1 }, true)).toBe(
      'You said yes; you are the first to answer this.',
    );
  });
  it('yes/no: the share of yes as a percentage', () => {
    expect(versusSentence({ question: { key: 'happy', kind: 'YES_NO' }, count: 11, yesShare: 0.636 }, true)).toBe(
      'You said yes; 64% of the crowd says yes.',
    );
    expect(versusSentence({ question: { key: 'happy', kind: 'YES_NO' }, count: 5, yesShare: 0.2 }, false)).toBe(
      'You said no; 20% of the crowd says yes.',
    );
  });
  it('words: the most given word, or that it is the judge’s too', () => {
    const s = (word: string): CrowdStats => ({ question: { key: 'impression', kind: 'WORD' }, count: 6, words: [{ word, count: 3 }] });
    expect(versusSentence(s('kind'), 'calm')).toBe('You said “calm”; the crowd’s most given word: “kind”.');
    expect(versusSentence(s('calm'), 'Calm')).toBe('You said “Calm”, the crowd’s most given word too.');
  });
  it('nothing to say without an answer, a figure or a fitting answer', () => {
    expect(versusSentence(num(h, 27), undefined)).toBeNull();
    expect(versusSentence({ ...num(h, 27), mean: null }, 31)).toBeNull();
    expect(versusSentence(num(h, 27), 'thirty')).toBeNull();
    expect(versusSentence({ question: { key: 'happy', kind: 'YES_NO' }, count: 0 }, true)).toBeNull();
  });
});
