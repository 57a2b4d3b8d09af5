// Top lists: public photos with enough votes, best first for one question,
// ranked by the low end of the 95% credible interval around the adjusted
// mean (numbers, scales) or share of yes (yes/no), on the effective number
// of answers (the server's rule, docs/STATISTICS.md). Each photo shows its
// votes and its interval; one sentence says what the ranks mean.
import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { TopPhotosQuery as TopPhotosResult } from '../gql/graphql';
import { fmt, pct } from '../results/charts';
import { Skeleton } from '../ui/Skeleton';

export const TopQuestionsQuery = graphql(`
  query TopQuestions {
    questions {
      id
      key
      prompt
      kind
    }
  }
`);

export const TopPhotosQuery = graphql(`
  query TopPhotos($key: String!) {
    topPhotos(questionKey: $key, first: 24) {
      nodes {
        ...ThumbPhoto
        stats {
          id
          questions {
            question {
              id
              key
            }
            count
            interval {
              low
              high
            }
          }
        }
      }
    }
  }
`);

/** What the ranks mean, in plain words (the server's rule: the interval's low end). */
export const RANKING_EXPLAINED =
  'Ranked by how high the crowd’s verdict is at least likely to be: a photo needs many careful judges agreeing to rank high; a few votes, or votes that count little, rank low.';

type TopPhoto = TopPhotosResult['topPhotos']['nodes'][number];

/** "12 votes · 6.1 to 7.4" or, for yes/no, "12 votes · 55% to 80% yes". */
export function rankCaption(p: TopPhoto, key: string, kind: string | undefined): string {
  const s = p.stats?.questions.find((q) => q.question.key === key);
  const n = s?.count ?? 0;
  const votes = `${n} ${n === 1 ? 'vote' : 'votes'}`;
  if (!s?.interval) return votes;
  const { low, high } = s.interval;
  return kind === 'YES_NO' ? `${votes} · ${pct(low)} to ${pct(high)} yes` : `${votes} · ${fmt(low)} to ${fmt(high)}`;
}

export function TopPage() {
  const [questions] = useQuery({ query: TopQuestionsQuery });
  const ranked = (questions.data?.questions ?? []).filter((q) => q.kind !== 'WORD');
  const [key, setKey] = useState('attractive');
  const [top] = useQuery({ query: TopPhotosQuery, variables: { key }, pause: ranked.length === 0 });
  const current = ranked.find((q) => q.key === key);
  const photos = top.data?.topPhotos.nodes ?? [];
  return (
    <main className="home">
      <h1>Top photos</h1>
      <label className="top-select">
        Ranked by{' '}
        <select value={key} onChange={(e) => setKey(e.target.value)}>
          {ranked.map((q) => (
            <option key={q.key} value={q.key}>
              {q.prompt}
            </option>
          ))}
        </select>
      </label>
      <p className="ranking-explained">{RANKING_EXPLAINED}</p>
      <p className="small">
        Public photos with enough votes; under each, its votes on this question and the 95% interval of the crowd’s
        verdict. Refreshed every few seconds.
      </p>
      {(questions.fetching || top.fetching) && !top.data && <Skeleton label="Loading the top photos" photo={false} lines={3} />}
      {(questions.error || top.error) && <p role="alert">The list could not be loaded. Try again in a moment.</p>}
      {top.data && photos.length === 0 && <p>No photo has enough votes yet.</p>}
      {photos.length > 0 && (
        <section aria-labelledby="top-list">
          <h2 id="top-list">{current ? current.prompt : 'Top'}</h2>
          <ol className="thumbs ranked">
            {photos.map((p, i) => (
              <li key={p.id}>
                <a href={`/photos/${p.id}`}>
                  <img
                    src={p.thumbnailUrl}
                    alt={p.postedBy?.handle ? `Number ${i + 1}, photo by ${p.postedBy.handle}` : `Number ${i + 1}`}
                    loading="lazy"
                    decoding="async"
                  />
                  <span className="thumb-caption">
                    <strong>#{i + 1}</strong> · {rankCaption(p, key, current?.kind)}
                  </span>
                </a>
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
