import { describe, expect, it } from 'vitest';
import { ACTIONS, actionDone, moderationProblem } from './moderation';

describe('moderation actions', () => {
  it('asks before the destructive ones only', () => {
    expect(ACTIONS.filter((a) => a.confirm).map((a) => a.value)).toEqual(['REMOVE', 'BAN_OWNER']);
  });
  it('reads in the log as a verb before "photo …"', () => {
    expect(actionDone('RESTORE')).toBe('restored');
    expect(actionDone('REMOVE')).toBe('removed');
    expect(actionDone('BAN_OWNER')).toBe('banned the owner of');
  });
});

describe('moderationProblem', () => {
  it('explains FORBIDDEN: not a moderator, or a ban of oneself, a moderator or an admin', () => {
    expect(moderationProblem({ code: 'FORBIDDEN' })).toMatch(/nobody can ban themselves, a moderator or an admin/);
  });
  it('says the photo is gone (NOT_FOUND) and names the note limit (TOO_LONG)', () => {
    expect(moderationProblem({ code: 'NOT_FOUND' })).toMatch(/gone/);
    expect(moderationProblem({ code: 'BAD_USER_INPUT', reason: 'TOO_LONG', field: 'input.note' })).toMatch(/500 characters/);
  });
});
