// The reward after a vote: how the crowd answered for that photo.
import { graphql } from '../gql';
import type { GlimpseStatsFragment } from '../gql/graphql';
import { percent } from './answers';

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
      median
      yesShare
      words {
        word
        count
      }
    }
  }
`);

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

export function StatsGlimpse({ stats, onNext }: { stats: GlimpseStatsFragment | null | undefined; onNext: () => void }) {
  return (
    <section className="glimpse" aria-live="polite" aria-labelledby="glimpse-title">
      <div className="glimpse-head">
        <h2 id="glimpse-title">The crowd says</h2>
        {stats && (
          <p className="glimpse-count">
            {stats.voteCount} {stats.voteCount === 1 ? 'vote' : 'votes'}
          </p>
        )}
      </div>
      {stats ? (
        <>
          <dl>
            {stats.questions
              .filter((s) => s.count > 0)
              .map((s) => {
                let shown: string | null = null;
                switch (s.question.kind) {
                  case 'NUMBER':
                  case 'SCALE':
                    shown = s.median == null ? null : `median ${formatNumber(s.median)}`;
                    break;
                  case 'YES_NO':
                    shown = s.yesShare == null ? null : `${percent(s.yesShare)} yes`;
                    break;
                  case 'WORD':
                    shown = s.words?.[0] ? `“${s.words[0].word}”` : null;
                    break;
                }
                if (!shown) return null;
                return (
                  <div key={s.question.key} className={`glimpse-row kind-${s.question.kind.toLowerCase()}`}>
                    <dt>{s.question.prompt}</dt>
                    <dd>
                      {shown}
                      {s.question.kind === 'YES_NO' && s.yesShare != null && (
                        <span className="bar" aria-hidden="true">
                          <span style={{ width: percent(s.yesShare) }} />
                        </span>
                      )}
                    </dd>
                  </div>
                );
              })}
          </dl>
        </>
      ) : (
        <p>Thanks, your vote is in.</p>
      )}
      <button type="button" className="primary" onClick={onNext} autoFocus>
        Next photo <kbd>Enter</kbd>
      </button>
    </section>
  );
}
