// Comparing one's own photos (/compare?photos=id,id): the owner picks two
// to four of them and sees them side by side, question by question, with
// the mean (and the adjusted mean once the judges are weighed), the 95%
// interval and the number of votes, and a sentence saying which is seen as
// more trustworthy, older, and so on, or that it is too close to call.
import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { ComparePhotosQuery as ComparePhotosResult } from '../gql/graphql';
import { friendlyError } from '../graphql/errors';
import { Skeleton } from '../ui/Skeleton';
import { useAccountPage } from '../viewer';
import { fmt, pct } from './charts';
import { compareSentence } from './compare';
import { MyPhotosQuery } from './MyPhotosPage';

export const ComparePhotosQuery = graphql(`
  query ComparePhotos($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      ... on Photo {
        id
        thumbnailUrl
        width
        height
        createdAt
        voteCount
        stats {
          id
          version
          questions {
            question {
              ...QuestionFields
            }
            count
            mean
            adjustedMean
            interval {
              low
              high
              level
            }
            yesShare
            words {
              word
              count
            }
          }
        }
      }
    }
  }
`);

/** How many photos fit side by side, on a phone too. */
export const MAX_COMPARED = 4;

type ComparedPhoto = Extract<NonNullable<ComparePhotosResult['nodes'][number]>, { __typename: 'Photo' }>;
type QStats = NonNullable<ComparedPhoto['stats']>['questions'][number];

function idsFromURL(): string[] {
  const raw = new URLSearchParams(window.location.search).get('photos') ?? '';
  return raw.split(',').filter(Boolean).slice(0, MAX_COMPARED);
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ComparePage() {
  const { loading, needsAccount } = useAccountPage('/compare');
  const [mine] = useQuery({ query: MyPhotosQuery, pause: loading || needsAccount });
  const photos = mine.data?.viewer?.photos.nodes ?? [];
  const [picked, setPicked] = useState<string[]>(idsFromURL);
  // Photo n is the n-th picked in the list's order (newest first).
  const chosen = photos.filter((p) => picked.includes(p.id)).map((p) => p.id);

  const toggle = (id: string) => {
    const next = picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id].slice(0, MAX_COMPARED);
    setPicked(next);
    const url = next.length > 0 ? `/compare?photos=${next.map(encodeURIComponent).join(',')}` : '/compare';
    window.history.replaceState(null, '', url);
  };

  const [r] = useQuery({ query: ComparePhotosQuery, variables: { ids: chosen }, pause: chosen.length < 2 });
  const compared = (r.data?.nodes ?? []).filter((n): n is ComparedPhoto => n?.__typename === 'Photo');

  return (
    <main className="narrow wide compare">
      <h1>Compare your photos</h1>
      <p>
        Pick two to {MAX_COMPARED} of your photos to see how judges see each, question by question. A photo is named
        only when its 95% interval lies wholly above the others’; otherwise it is too close to call.
      </p>
      {(loading || (mine.fetching && !mine.data)) && <Skeleton label="Loading your photos" lines={2} />}
      {mine.error && !mine.data && (
        <p className="error" role="alert">
          {friendlyError(mine.error)}
        </p>
      )}
      {mine.data && photos.length < 2 && (
        <p>
          You need two photos to compare. <a href="/upload">Upload another</a>.
        </p>
      )}
      {photos.length >= 2 && (
        <fieldset className="compare-pick">
          <legend>Your photos</legend>
          <ul className="thumbs mine">
            {photos.map((p) => {
              const on = picked.includes(p.id);
              const n = chosen.indexOf(p.id);
              return (
                <li key={p.id}>
                  <label className={on ? 'picked' : undefined}>
                    <input
                      type="checkbox"
                      checked={on}
                      disabled={!on && picked.length >= MAX_COMPARED}
                      onChange={() => toggle(p.id)}
                    />
                    <img src={p.thumbnailUrl} alt="" loading="lazy" />
                    <span className="thumb-caption">
                      {n >= 0 ? `Photo ${n + 1} · ` : ''}
                      {when(p.createdAt)} · {p.voteCount} {p.voteCount === 1 ? 'vote' : 'votes'}
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
      {chosen.length === 1 && <p>Pick one more photo.</p>}
      {chosen.length >= 2 && r.fetching && !r.data && <Skeleton label="Loading the comparison" lines={4} photo={false} />}
      {chosen.length >= 2 && r.error && (
        <p className="error" role="alert">
          {friendlyError(r.error)}
        </p>
      )}
      {chosen.length >= 2 && compared.length >= 2 && <Comparison photos={compared} />}
    </main>
  );
}

function Comparison({ photos }: { photos: ComparedPhoto[] }) {
  const labels = photos.map((_, i) => `Photo ${i + 1}`);
  // The survey's questions, in order, from the first photo with statistics.
  const questions = photos.find((p) => p.stats)?.stats?.questions.map((q) => q.question) ?? [];
  const statsOf = (p: ComparedPhoto, key: string): QStats | undefined => p.stats?.questions.find((q) => q.question.key === key);
  return (
    <section aria-labelledby="compare-title" className="comparison">
      <h2 id="compare-title">Side by side</h2>
      <ol className="compare-photos" style={{ '--compared': photos.length } as React.CSSProperties}>
        {photos.map((p, i) => (
          <li key={p.id}>
            <a href={`/photos/${p.id}`}>
              <img src={p.thumbnailUrl} alt={`${labels[i]}, uploaded ${when(p.createdAt)}`} />
              <span>{labels[i]}</span>
            </a>
            <span className="small">
              {p.voteCount} {p.voteCount === 1 ? 'vote' : 'votes'}
            </span>
          </li>
        ))}
      </ol>
      {questions.map((q) => {
        const per = photos.map((p) => statsOf(p, q.key));
        const sentence = compareSentence(
          q,
          per.map((s, i) => ({ label: labels[i], interval: s && s.count > 0 ? s.interval : null })),
        );
        return (
          <section key={q.key} className="card compare-question" aria-labelledby={`cmp-${q.key}`}>
            <h3 id={`cmp-${q.key}`}>{q.prompt}</h3>
            <table>
              <thead>
                <tr>
                  <td />
                  {labels.map((l) => (
                    <th key={l} scope="col">
                      {l}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {figureRows(q.kind, per).map(([name, cells]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    {cells.map((c, i) => (
                      <td key={labels[i]}>{c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {sentence && <p className="verdict">{sentence}</p>}
          </section>
        );
      })}
    </section>
  );
}

const DASH = '–';

/** The table's rows for one question: a name and a cell per photo. */
function figureRows(kind: string, per: (QStats | undefined)[]): [string, string[]][] {
  const cell = (f: (s: QStats) => string | null) => per.map((s) => (s && s.count > 0 ? (f(s) ?? DASH) : DASH));
  const votes: [string, string[]] = ['Votes', per.map((s) => String(s?.count ?? 0))];
  switch (kind) {
    case 'NUMBER':
    case 'SCALE': {
      const rows: [string, string[]][] = [['Mean', cell((s) => (s.mean == null ? null : fmt(s.mean)))]];
      if (per.some((s) => s?.adjustedMean != null)) {
        rows.push(['Adjusted mean', cell((s) => (s.adjustedMean == null ? null : fmt(s.adjustedMean)))]);
      }
      rows.push(['95% interval', cell((s) => (s.interval ? `${fmt(s.interval.low)} to ${fmt(s.interval.high)}` : null))]);
      return [...rows, votes];
    }
    case 'YES_NO':
      return [
        ['Say yes', cell((s) => (s.yesShare == null ? null : pct(s.yesShare)))],
        ['95% interval', cell((s) => (s.interval ? `${pct(s.interval.low)} to ${pct(s.interval.high)}` : null))],
        votes,
      ];
    default:
      return [
        ['Most given', cell((s) => (s.words && s.words.length > 0 ? s.words.slice(0, 3).map((w) => w.word).join(', ') : null))],
        votes,
      ];
  }
}
