// Top lists: public photos with enough votes, best first for one question
// (a Bayesian average for numbers and scales, the Wilson lower bound of the
// yes share for yes/no questions, never a raw average).
import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { PhotoGrid } from '../home/HomePage';
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
      }
    }
  }
`);

export function TopPage() {
  const [questions] = useQuery({ query: TopQuestionsQuery });
  const ranked = (questions.data?.questions ?? []).filter((q) => q.kind !== 'WORD');
  const [key, setKey] = useState('attractive');
  const [top] = useQuery({ query: TopPhotosQuery, variables: { key }, pause: ranked.length === 0 });
  const current = ranked.find((q) => q.key === key);
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
      <p className="small">
        Public photos with enough votes. Scales are ranked by a Bayesian average and yes/no questions by the lower
        bound of the yes share, so a photo with three votes cannot top the list. Refreshed every few seconds.
      </p>
      {(questions.fetching || top.fetching) && !top.data && <Skeleton label="Loading the top photos" photo={false} lines={3} />}
      {(questions.error || top.error) && <p role="alert">The list could not be loaded. Try again in a moment.</p>}
      {top.data && top.data.topPhotos.nodes.length === 0 && <p>No photo has enough votes yet.</p>}
      {top.data && <PhotoGrid title={current ? current.prompt : 'Top'} photos={top.data.topPhotos.nodes} />}
    </main>
  );
}
