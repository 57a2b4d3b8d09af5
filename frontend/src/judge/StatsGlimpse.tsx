// The reward after a vote: each answer the judge gave beside the crowd's,
// in words ("You said 31; the crowd says 28 on average; the middle half of
// the 12 answers lie between 25 and 31"), and the judge's karma. It stays
// (onStay) once the judge opens the karma note to read it.
import { graphql } from '../gql';
import type { GlimpseStatsFragment } from '../gql/graphql';
import { KarmaNote } from '../ui/Karma';
import { useViewer } from '../viewer';
import { percent, type Answers } from './answers';
import { versusSentence } from './versus';

export const GlimpseStats = graphql(`
  fragment GlimpseStats on PhotoStats {
    id
    version
    voteCount
    questions {
      question {
        id
        key
        prompt
        kind
      }
      count
      mean
      yesShare
      histogram {
        value
        count
      }
      words {
        word
        count
      }
    }
  }
`);

interface Props {
  stats: GlimpseStatsFragment | null | undefined;
  /** What the judge answered, by question key. */
  answers: Answers;
  onNext: () => void;
  /** The judge is reading: the next photo waits for Next. */
  onStay: () => void;
}

export function StatsGlimpse({ stats, answers, onNext, onStay }: Props) {
  const { viewer } = useViewer();
  const rows = (stats?.questions ?? [])
    .map((s) => ({ s, sentence: versusSentence(s, answers[s.question.key]) }))
    .filter((r): r is { s: (typeof r)['s']; sentence: string } => r.sentence !== null);
  // The first judge of a photo has no crowd to compare with: one line says so.
  const first = rows.length > 0 && rows.every((r) => r.s.count === 1);
  return (
    <section className="glimpse" aria-live="polite" aria-labelledby="glimpse-title">
      <div className="glimpse-head">
        <h2 id="glimpse-title">You vs the crowd</h2>
        {stats && (
          <p className="glimpse-count">
            {stats.voteCount} {stats.voteCount === 1 ? 'vote' : 'votes'}
          </p>
        )}
      </div>
      {first ? (
        <p>You are the first to judge this face: there is no crowd to compare your answers with yet.</p>
      ) : rows.length > 0 ? (
        <dl>
          {rows.map(({ s, sentence }) => (
            <div key={s.question.key} className={`glimpse-row versus kind-${s.question.kind.toLowerCase()}`}>
              <dt>{s.question.prompt}</dt>
              <dd>
                {sentence}
                {s.question.kind === 'YES_NO' && s.yesShare != null && s.count > 1 && (
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: percent(s.yesShare) }} />
                  </span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p>Thanks, your vote is in.</p>
      )}
      {viewer && <KarmaNote karma={viewer.karma} compact onToggle={onStay} />}
      <button type="button" className="primary" onClick={onNext} autoFocus>
        Next photo <kbd>Enter</kbd>
      </button>
    </section>
  );
}
