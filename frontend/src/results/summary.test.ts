import { describe, expect, it } from 'vitest';
import { article, summarize, traitWord, type SummaryInput } from './summary';

const yn = (key: string, yesShare: number, count = 10): SummaryInput => ({
  question: { key, prompt: `Do they look ${key}?`, kind: 'YES_NO' },
  count,
  yesShare,
});
const age = (median: number, count = 10): SummaryInput => ({
  question: { key: 'age', prompt: 'How old does this person look?', kind: 'NUMBER' },
  count,
  median,
});

describe('summarize', () => {
  it('names the traits most said yes to, strongest first, and the median age', () => {
    expect(summarize([age(29), yn('trustworthy', 0.8), yn('happy', 0.6), yn('intelligent', 0.4)])).toBe(
      'Most people see a trustworthy, happy 29-year-old.',
    );
  });
  it('keeps at most three traits', () => {
    const s = summarize([yn('a1', 0.9), yn('b2', 0.8), yn('c3', 0.7), yn('d4', 0.6), age(40)]);
    expect(s).toBe('Most people see an a1, b2, c3 40-year-old.');
  });
  it('rounds the age and picks the article by sound', () => {
    expect(summarize([age(17.6)])).toBe('Most people see an 18-year-old.');
    expect(summarize([age(8)])).toBe('Most people see an 8-year-old.');
    expect(summarize([age(11)])).toBe('Most people see an 11-year-old.');
    expect(summarize([age(81)])).toBe('Most people see an 81-year-old.');
    expect(summarize([age(1)])).toBe('Most people see a 1-year-old.');
    expect(summarize([yn('intelligent', 0.7), age(33)])).toBe('Most people see an intelligent 33-year-old.');
  });
  it('says "person" without an age', () => {
    expect(summarize([yn('friendly', 0.75)])).toBe('Most people see a friendly person.');
  });
  it('leaves out a trait at exactly half, and questions nobody answered', () => {
    expect(summarize([yn('happy', 0.5), age(30, 0), yn('calm', 0.9, 0)])).toBeNull();
  });
  it('says nothing before any answer', () => {
    expect(summarize([])).toBeNull();
  });
});

describe('traitWord', () => {
  it('takes the adjective from the prompt, else the key', () => {
    expect(traitWord({ key: 'trustworthy', prompt: 'Do they look trustworthy?' })).toBe('trustworthy');
    expect(traitWord({ key: 'kind', prompt: 'Kind?' })).toBe('kind');
  });
});

describe('article', () => {
  it('handles words and numbers', () => {
    expect(article('honest')).toBe('a'); // no h-rule: "an honest" is rare in our prompts
    expect(article('open')).toBe('an');
    expect(article('18-year-old')).toBe('an');
    expect(article('80-year-old')).toBe('an');
    expect(article('100-year-old')).toBe('a');
  });
});
