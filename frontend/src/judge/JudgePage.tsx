// The judging page: a photo, the questions the server assigned for it
// (photo.survey), one tap or key per answer; after the vote the judge's
// answers beside the crowd's, then the next photo, which was fetched (and
// its image loaded) while the judge looked at this one. Skip (or S) sets
// a photo aside for good. On a phone the survey is a stepper (styles.css
// shows only the current question), so the photo, that question and Vote
// fit on one screen.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import type { GlimpseStatsFragment, JudgePhotoFragment } from '../gql/graphql';
import { errorCode, friendlyError } from '../graphql/errors';
import { ensureSession } from '../session';
import { karmaDue } from './karma';
import {
  currentScale,
  currentYesNo,
  keyAction,
  stepAfterTap,
  toAnswerInputs,
  type Answers,
  type AnswerValue,
} from './answers';
import { QuestionField } from './QuestionField';
import { ReportButton } from '../report/ReportDialog';
import { StatsGlimpse } from './StatsGlimpse';

export const JudgePhoto = graphql(`
  fragment JudgePhoto on Photo {
    id
    imageUrl
    width
    height
    survey {
      ...QuestionFields
    }
  }
`);

export const NextPhotoQuery = graphql(`
  query NextPhoto($skip: [ID!]) {
    nextPhoto(skip: $skip) {
      ...JudgePhoto
    }
  }
`);

export const CastVoteMutation = graphql(`
  mutation CastVote($input: CastVoteInput!) {
    castVote(input: $input) {
      photo {
        id
        voteCount
        viewerHasVoted
        stats {
          ...GlimpseStats
        }
      }
      next {
        ...JudgePhoto
      }
    }
  }
`);

// The judge's karma alone, asked for after a vote now and then (see karma.ts):
// the cache merges it into the viewer the glimpse shows.
export const ViewerKarmaQuery = graphql(`
  query ViewerKarma {
    viewer {
      id
      karma
    }
  }
`);

export const SkipPhotoMutation = graphql(`
  mutation SkipPhoto($input: SkipPhotoInput!) {
    skipPhoto(input: $input) {
      photoId
      next {
        ...JudgePhoto
      }
    }
  }
`);

/** How long the judge's answers beside the crowd's show before the next photo. */
const GLIMPSE_MS = 6000;

type Phase = 'starting' | 'judging' | 'submitting' | 'skipping' | 'glimpse' | 'empty' | 'failed';

function preload(url: string) {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
}

function isTextField(t: EventTarget | null): boolean {
  if (t instanceof HTMLTextAreaElement) return true;
  if (!(t instanceof HTMLInputElement)) return false;
  return t.type !== 'range' && t.type !== 'checkbox' && t.type !== 'radio' && t.type !== 'button';
}

export function JudgePage() {
  const client = useClient();
  const [phase, setPhase] = useState<Phase>('starting');
  const [photo, setPhoto] = useState<JudgePhotoFragment | null>(null);
  // The questions the server assigned for this photo and this judge.
  const questions = photo?.survey ?? [];
  const [answers, setAnswers] = useState<Answers>({});
  // What the judge answered on the photo just voted on, for the glimpse.
  const [voted, setVoted] = useState<Answers>({});
  const [glimpse, setGlimpse] = useState<GlimpseStatsFragment | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The question a phone shows (index into questions).
  const [step, setStep] = useState(0);
  const current = Math.min(step, Math.max(0, questions.length - 1));
  const form = useRef<HTMLFormElement>(null);
  // The element focused when the step changed: see the effect below.
  const focusedBefore = useRef<Element | null>(null);
  // The photo after the one just voted on: the vote's answer carries it
  // (castVote's next, drawn by the server with the vote's own batch), and
  // its image loads during the glimpse.
  const prefetch = useRef<{ after: string; next: Promise<JudgePhotoFragment | null> } | null>(null);
  const glimpseTimer = useRef<number | undefined>(undefined);
  // The report dialog is open: the page's keys (Y, N, S, Enter...) are the dialog's.
  const [reporting, setReporting] = useState(false);
  // The photo on screen came after a report (a thank-you on it until the next vote or skip).
  const [reported, setReported] = useState(false);
  // When the karma was last read: with the viewer, as the page opened.
  const karmaRead = useRef(Date.now());

  const fetchNext = useCallback(
    async (skip: string[]) => {
      const r = await client.query(NextPhotoQuery, { skip }, { requestPolicy: 'network-only' }).toPromise();
      if (r.error) throw r.error;
      return r.data?.nextPhoto ?? null;
    },
    [client],
  );

  const show = useCallback((p: JudgePhotoFragment | null) => {
    setPhoto(p);
    setAnswers({});
    setGlimpse(null);
    setStep(0);
    setPhase(p ? 'judging' : 'empty');
  }, []);

  const moveTo = useCallback((i: number) => {
    focusedBefore.current = document.activeElement;
    setStep(i);
  }, []);

  // A phone hides the question it moved away from: when focus was in it,
  // it goes to the question now shown instead of falling to the page.
  useEffect(() => {
    const was = focusedBefore.current;
    focusedBefore.current = null;
    if (!(was instanceof HTMLElement) || !form.current?.contains(was) || was.getClientRects().length > 0) return;
    form.current.querySelector<HTMLElement>('.question.current')?.focus();
  }, [current]);

  // Start: a session (anonymous when needed), then the first photo.
  const start = useCallback(async () => {
    setPhase('starting');
    setError(null);
    try {
      await ensureSession(client);
      show(await fetchNext([]));
    } catch (e) {
      setError(friendlyError(e as never));
      setPhase('failed');
    }
  }, [client, fetchNext, show]);

  useEffect(() => {
    void start();
    return () => window.clearTimeout(glimpseTimer.current);
  }, [start]);

  const advance = useCallback(async () => {
    window.clearTimeout(glimpseTimer.current);
    const votedId = photo?.id;
    setPhase('starting');
    try {
      let next = prefetch.current && prefetch.current.after === votedId ? await prefetch.current.next : null;
      // None came with the vote (or none was left then): ask, the queue may have grown.
      next ??= await fetchNext([]);
      show(next);
    } catch (e) {
      setError(friendlyError(e as never));
      setPhase('failed');
    }
  }, [photo, fetchNext, show]);

  const submit = useCallback(async () => {
    if (!photo || phase !== 'judging') return;
    const input = toAnswerInputs(questions, answers);
    if (input.length === 0) {
      setError('Answer at least one question first.');
      return;
    }
    setPhase('submitting');
    setError(null);
    setReported(false);
    const vote = () => client.mutation(CastVoteMutation, { input: { photoId: photo.id, answers: input } }).toPromise();
    let r = await vote();
    if (errorCode(r.error) === 'UNAUTHENTICATED') {
      // The session ran out: start a new one and vote again.
      try {
        await ensureSession(client);
        r = await vote();
      } catch {
        /* reported below */
      }
    }
    const code = errorCode(r.error);
    if (r.error && code !== 'CONFLICT' && code !== 'FORBIDDEN') {
      setError(friendlyError(r.error));
      setPhase('judging');
      return;
    }
    // CONFLICT: already voted (a retry); FORBIDDEN: cannot vote on it. Move on either way
    // (to the next photo the vote's answer carries, else one asked for then).
    const next = r.data?.castVote.next;
    if (!r.error && next !== undefined) {
      if (next) preload(next.imageUrl);
      prefetch.current = { after: photo.id, next: Promise.resolve(next) };
    }
    setVoted(answers);
    setGlimpse(r.data?.castVote.photo.stats ?? null);
    setPhase('glimpse');
    glimpseTimer.current = window.setTimeout(() => void advance(), GLIMPSE_MS);
    // The karma the glimpse shows changes as the refit weighs the judge's
    // votes: asked for again now and then, not after every vote (karma.ts).
    if (!r.error && karmaDue(Date.now(), karmaRead.current)) {
      karmaRead.current = Date.now();
      void client.query(ViewerKarmaQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    }
  }, [photo, phase, questions, answers, client, advance]);

  // Skip: never offered this photo again; the server answers with the next.
  const skip = useCallback(async () => {
    if (!photo || phase !== 'judging') return;
    setPhase('skipping');
    setError(null);
    setReported(false);
    const r = await client.mutation(SkipPhotoMutation, { input: { photoId: photo.id } }).toPromise();
    if (r.error || !r.data) {
      setError(r.error ? friendlyError(r.error) : 'The photo could not be skipped. Try again.');
      setPhase('judging');
      return;
    }
    show(r.data.skipPhoto.next ?? null);
  }, [photo, phase, client, show]);

  const setAnswer = useCallback((key: string, value: AnswerValue | undefined) => {
    setError(null);
    setAnswers((a) => {
      const next = { ...a };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    });
  }, []);

  // Keyboard: 1-9/0 rate, Y/N answer yes/no questions, Enter votes (or skips the glimpse).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.repeat || e.defaultPrevented || reporting) return;
      if (phase === 'glimpse') {
        if (e.key === 'Enter') {
          e.preventDefault();
          void advance();
        }
        return;
      }
      if (phase !== 'judging') return;
      const action = keyAction(
        { key: e.key, inTextField: isTextField(e.target), ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey },
        questions,
        answers,
      );
      if (action.type === 'ignore') return;
      e.preventDefault();
      if (action.type === 'submit') void submit();
      else if (action.type === 'skip') void skip();
      else {
        setAnswer(action.key, action.value);
        moveTo(questions.findIndex((q) => q.key === action.key)); // show what the key answered
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [phase, questions, answers, submit, skip, advance, setAnswer, moveTo, reporting]);

  if (phase === 'failed') {
    return (
      <main className="judge judge-message">
        <h1>Something went wrong</h1>
        <p role="alert">{error}</p>
        <button
          type="button"
          className="primary"
          onClick={() => void start()}
        >
          Try again
        </button>
      </main>
    );
  }

  if (phase === 'empty') {
    return (
      <main className="judge judge-message">
        <h1>You have judged every face</h1>
        <p>There is no photo left for you right now. New ones arrive all the time: come back in a while.</p>
        <button type="button" className="primary" onClick={() => void start()}>
          Look again
        </button>
        <p>
          <a href="/">Back to the start</a>
        </p>
      </main>
    );
  }

  const busy = phase !== 'judging';
  const scaleKey = currentScale(questions)?.key;
  const yesNoKey = currentYesNo(questions, answers)?.key;
  const last = questions.length - 1;

  return (
    <main className="judge" aria-busy={phase === 'starting' || phase === 'submitting' || phase === 'skipping'}>
      <h1 className="visually-hidden">Judge a face</h1>
      <div
        className="photo-frame"
        // Wide screens size the frame to the photo (styles.css).
        style={
          photo && photo.width > 0 && photo.height > 0
            ? ({ '--photo-ratio': `${photo.width} / ${photo.height}` } as React.CSSProperties)
            : undefined
        }
      >
        {photo ? (
          <img
            key={photo.id}
            src={photo.imageUrl}
            width={photo.width}
            height={photo.height}
            alt="The face to judge"
            decoding="async"
          />
        ) : (
          <div className="photo-placeholder" role="status">
            Loading a face…
          </div>
        )}
        {photo && phase === 'judging' && (
          <ReportButton
            // A fresh dialog per photo (the image beside it has key photo.id: keys must differ).
            key={`report-${photo.id}`}
            photoId={photo.id}
            onOpenChange={setReporting}
            // The server set the photo aside for this judge and answered with the next.
            onReported={(r) => {
              setReported(true);
              show(r.next);
            }}
          />
        )}
        <p className="frame-note" role="status">
          {reported && phase === 'judging' ? 'Reported: thank you. Here is another face.' : ''}
        </p>
      </div>
      {phase === 'glimpse' ? (
        <StatsGlimpse
          stats={glimpse}
          answers={voted}
          onNext={() => void advance()}
          onStay={() => window.clearTimeout(glimpseTimer.current)}
        />
      ) : (
        <form
          ref={form}
          className="survey"
          aria-label="Your answers"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {questions.length > 0 && (
            <div className="questions">
              <div className="stepper">
                <button
                  type="button"
                  className="step-button"
                  aria-label="Previous question"
                  aria-disabled={current === 0}
                  onClick={() => current > 0 && moveTo(current - 1)}
                >
                  ‹
                </button>
                <div className="step-where">
                  <p className="step-count" role="status">
                    Question {current + 1} of {questions.length}
                  </p>
                  {/* Which are answered, at a glance. */}
                  <ol className="step-dots" aria-hidden="true">
                    {questions.map((q, i) => (
                      <li
                        key={q.key}
                        className={`${i === current ? 'at' : ''}${answers[q.key] !== undefined ? ' done' : ''}`}
                      />
                    ))}
                  </ol>
                </div>
                <button
                  type="button"
                  className="step-button"
                  aria-label="Next question"
                  aria-disabled={current === last}
                  onClick={() => current < last && moveTo(current + 1)}
                >
                  ›
                </button>
              </div>
              {questions.map((q, i) => (
                <QuestionField
                  key={q.key}
                  question={q}
                  value={answers[q.key]}
                  current={i === current}
                  onChange={(v, how) => {
                    setAnswer(q.key, v);
                    if (how === 'tap') moveTo(stepAfterTap(questions, i, v));
                    else if (i !== current) moveTo(i);
                  }}
                  disabled={busy}
                  hint={q.key === scaleKey ? '1–0' : q.key === yesNoKey ? 'Y / N' : undefined}
                />
              ))}
            </div>
          )}
          <div className="vote-bar">
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <div className="vote-buttons">
              <button type="submit" className="primary" disabled={busy || !photo}>
                {phase === 'submitting' ? 'Voting…' : 'Vote'} <kbd>Enter</kbd>
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy || !photo}
                onClick={() => void skip()}
                title="Not shown to you again"
              >
                {phase === 'skipping' ? 'Skipping…' : 'Skip'} <kbd>S</kbd>
              </button>
            </div>
          </div>
        </form>
      )}
    </main>
  );
}
