import { describe, expect, it } from 'vitest';
import { compareSentence, type ComparedQuestion, type Side } from './compare';

const age: ComparedQuestion = { key: 'age', prompt: 'How old does this person look?', kind: 'NUMBER' };
const attractive: ComparedQuestion = { key: 'attractive', prompt: 'How attractive is this person? (1 to 10)', kind: 'SCALE' };
const trust: ComparedQuestion = { key: 'trustworthy', prompt: 'Do they look trustworthy?', kind: 'YES_NO' };
const happy: ComparedQuestion = { key: 'happy', prompt: 'Do they look happy?', kind: 'YES_NO' };
const side = (label: string, low: number, high: number): Side => ({ label, interval: { low, high } });

describe('compareSentence', () => {
  it('names the photo whose interval lies above the other’s', () => {
    expect(compareSentence(trust, [side('Photo 1', 0.2, 0.4), side('Photo 2', 0.5, 0.9)])).toBe(
      'Photo 2 is seen as more trustworthy than Photo 1.',
    );
    expect(compareSentence(attractive, [side('Photo 1', 6, 8), side('Photo 2', 2, 4)])).toBe(
      'Photo 1 is seen as more attractive than Photo 2.',
    );
  });
  it('says older for the age question, and the oldest among more photos', () => {
    expect(compareSentence(age, [side('Photo 1', 20, 25), side('Photo 2', 30, 38)])).toBe('Photo 2 looks older than Photo 1.');
    expect(compareSentence(age, [side('Photo 1', 20, 25), side('Photo 2', 30, 38), side('Photo 3', 40, 45)])).toBe(
      'Photo 3 looks the oldest.',
    );
  });
  it('uses the short comparative where English has one', () => {
    expect(compareSentence(happy, [side('Photo 1', 0.6, 0.9), side('Photo 2', 0.1, 0.3)])).toBe('Photo 1 is seen as happier than Photo 2.');
    expect(compareSentence(happy, [side('A', 0.6, 0.9), side('B', 0.1, 0.3), side('C', 0.2, 0.5)])).toBe('A is seen as the happiest.');
  });
  it('is too close to call when the intervals overlap, naming those that do', () => {
    expect(compareSentence(attractive, [side('Photo 1', 4, 7), side('Photo 2', 6, 9)])).toBe(
      'Too close to call between Photo 2 and Photo 1: their 95% intervals overlap.',
    );
    // Touching ends count as overlapping.
    expect(compareSentence(attractive, [side('Photo 1', 4, 6), side('Photo 2', 6, 9)])).toMatch(/^Too close to call/);
    expect(compareSentence(trust, [side('A', 0.1, 0.2), side('B', 0.5, 0.8), side('C', 0.6, 0.9)])).toBe(
      'Too close to call between C and B: their 95% intervals overlap.',
    );
  });
  it('needs two photos with answers, and says which have none', () => {
    expect(compareSentence(trust, [side('Photo 1', 0.2, 0.4), { label: 'Photo 2', interval: null }])).toBe(
      'Not enough answers to compare yet.',
    );
    expect(compareSentence(trust, [side('A', 0.6, 0.9), side('B', 0.1, 0.3), { label: 'C' }])).toBe(
      'A is seen as more trustworthy than B (one photo has no answers yet).',
    );
  });
  it('has no sentence for words', () => {
    expect(compareSentence({ key: 'impression', prompt: 'Your first impression, in one word', kind: 'WORD' }, [])).toBeNull();
  });
  it('other numbers: higher answers', () => {
    expect(compareSentence({ key: 'height', prompt: 'How tall?', kind: 'NUMBER' }, [side('A', 170, 180), side('B', 150, 160)])).toBe(
      'A gets higher answers than B.',
    );
  });
});
