// One photo's results (/photos/:id): the vote count ticks live over the
// photoStats subscription (merged into the normalised cache by
// PhotoStats.id, newest version winning: see graphql/client.ts).
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../gql';
import type { ResultsStatsFragment } from '../gql/graphql';
import { friendlyError } from '../graphql/errors';
import { navigate } from '../router';
import { fmt, Histogram, ShareBar, WordCloud } from './charts';
import { quantile } from './histogram';
import { summarize } from './summary';
import { NotFoundPage } from '../ui/NotFoundPage';
import { ConsentPrompt } from '../consent/ConsentPrompt';
import { needsConsent } from '../consent/consent';
import { PhotoOwnerStatusQuery, UNDER_REVIEW_TEXT } from '../consent/ownerStatus';
import { ReportButton } from '../report/ReportDialog';
import { Skeleton } from '../ui/Skeleton';

export const PhotoResultsQuery = graphql(`
  query PhotoResults($id: ID!) {
    viewer {
      id
      user {
        id
      }
    }
    photo(id: $id) {
      id
      imageUrl
      width
      height
      createdAt
      isPublic
      voteCount
      viewerCanSeeStats
      postedBy {
        id
        handle
      }
      stats {
        ...ResultsStats
      }
    }
  }
`);

export const PhotoStatsSubscription = graphql(`
  subscription PhotoStatsLive($photoId: ID!) {
    photoStats(photoId: $photoId) {
      ...ResultsStats
      photo {
        id
        voteCount
      }
    }
  }
`);

export const SetPhotoVisibilityMutation = graphql(`
  mutation SetPhotoVisibility($input: SetPhotoVisibilityInput!) {
    setPhotoVisibility(input: $input) {
      photo {
        id
        isPublic
      }
    }
  }
`);

export const DeletePhotoMutation = graphql(`
  mutation DeletePhoto($input: DeletePhotoInput!) {
    deletePhoto(input: $input) {
      deletedPhotoId
    }
  }
`);

/** Answers a question needs before its percentile and stability appear (the server's default). */
const ENOUGH = 10;

export function PhotoPage({ id }: { id: string }) {
  const [r] = useQuery({ query: PhotoResultsQuery, variables: { id } });
  const photo = r.data?.photo;
  useSubscription({ query: PhotoStatsSubscription, variables: { photoId: id }, pause: !photo?.viewerCanSeeStats });

  if (r.fetching && !r.data) {
    return (
      <main className="narrow">
        <h1>Results</h1>
        <Skeleton label="Loading the results" lines={4} />
      </main>
    );
  }
  if (r.error && !r.data) {
    return (
      <main className="narrow">
        <h1>Results</h1>
        <p className="error" role="alert">
          {friendlyError(r.error)}
        </p>
      </main>
    );
  }
  if (!photo) {
    // Missing and not the viewer's to see look the same, as on the server.
    return (
      <NotFoundPage title="Photo not found">
        <p>There is no photo at this address: it was deleted, or it is private.</p>
      </NotFoundPage>
    );
  }
  const mine = !!r.data?.viewer?.user && r.data.viewer.user.id === photo.postedBy?.id;
  const stats = photo.stats;
  const votes = stats?.voteCount ?? photo.voteCount;

  return (
    <main className="results">
      <div className="results-photo">
        <img src={photo.imageUrl} width={photo.width} height={photo.height} alt={mine ? 'Your photo' : photo.postedBy ? `Photo by ${photo.postedBy.handle}` : 'A photo'} />
        {mine && <OwnerActions id={photo.id} isPublic={photo.isPublic} />}
        {!mine && <PhotoReport id={photo.id} />}
      </div>
      <div className="results-body">
        <h1>{mine ? 'Your results' : photo.postedBy ? `Results for ${photo.postedBy.handle}’s photo` : 'Results'}</h1>
        {mine && <OwnerStatus id={photo.id} />}
        <p className="vote-count" aria-live="polite" aria-atomic="true">
          <strong>{votes}</strong> {votes === 1 ? 'vote' : 'votes'}
          {stats && <StableBadge stats={stats} />}
        </p>
        {!photo.viewerCanSeeStats || !stats ? (
          <p>Judge this photo to see how the crowd answered. <a href="/judge">Judge now</a></p>
        ) : votes === 0 ? (
          <section className="card not-enough">
            <h2>Not enough votes yet</h2>
            <p>
              No one has judged this photo yet. Results appear here as votes arrive, live: keep the page open or come
              back in a while.
            </p>
          </section>
        ) : (
          <Results stats={stats} />
        )}
      </div>
    </main>
  );
}

/** Under review, and the consent prompt for a photo uploaded without it: the owner's alone. */
function OwnerStatus({ id }: { id: string }) {
  const [r] = useQuery({ query: PhotoOwnerStatusQuery, variables: { id } });
  const node = r.data?.node;
  const photo = node && node.__typename === 'Photo' ? node : null;
  if (!photo) return null;
  return (
    <>
      {photo.moderationState === 'UNDER_REVIEW' && (
        <p className="notice under-review">
          <strong>Under review.</strong> {UNDER_REVIEW_TEXT}
        </p>
      )}
      {needsConsent(photo) && <ConsentPrompt photoId={photo.id} />}
    </>
  );
}

/** Report, for anyone but the owner: the page thanks them after. */
function PhotoReport({ id }: { id: string }) {
  const [sent, setSent] = useState(false);
  return (
    <div className="report-row">
      {sent ? (
        <p className="small" role="status">
          Reported: thank you. Moderators will look at it.
        </p>
      ) : (
        <ReportButton photoId={id} className="link-button" onReported={() => setSent(true)} />
      )}
    </div>
  );
}

function StableBadge({ stats }: { stats: ResultsStatsFragment }) {
  const judged = stats.questions.filter((q) => q.stable != null);
  if (judged.length === 0) return null;
  const stable = judged.filter((q) => q.stable).length;
  if (stable === 0) return null;
  const all = stable === judged.length;
  return (
    <span className={`badge${all ? ' stable' : ''}`} title="Enough judges agree that more votes will hardly change it">
      {all ? 'Stable' : `${stable} of ${judged.length} stable`}
    </span>
  );
}

function Results({ stats }: { stats: ResultsStatsFragment }) {
  const summary = summarize(stats.questions);
  const qs = stats.questions.filter((q) => q.count > 0);
  const short = stats.voteCount < ENOUGH;
  return (
    <>
      {summary && <p className="summary">{summary}</p>}
      {short && (
        <p className="small">
          Not enough votes yet for a settled result: {stats.voteCount} of {ENOUGH}. Figures can still move a lot.
        </p>
      )}
      {qs.map((q) => (
        <section key={q.question.key} className="card question-result" aria-labelledby={`q-${q.question.key}`}>
          <h2 id={`q-${q.question.key}`}>
            {q.question.prompt}
            {q.stable && <span className="badge stable">Stable</span>}
          </h2>
          <QuestionResult q={q} />
          <p className="small">
            {q.count} {q.count === 1 ? 'answer' : 'answers'}
            {q.percentile != null && <> · higher than {Math.round(q.percentile)}% of photos</>}
          </p>
        </section>
      ))}
    </>
  );
}

/**
 * The judge model's adjusted mean, when the votes have been weighed: what
 * the average would be without each judge's habit of rating high or low.
 */
function Adjusted({ q }: { q: ResultsStatsFragment['questions'][number] }) {
  if (q.adjustedMean == null) return null;
  return (
    <p className="small adjusted">
      Adjusted for judges’ habits (some always rate high, some low): <strong>{fmt(q.adjustedMean)}</strong>
    </p>
  );
}

function QuestionResult({ q }: { q: ResultsStatsFragment['questions'][number] }) {
  switch (q.question.kind) {
    case 'NUMBER': {
      const lo = quantile(q.histogram ?? [], 0.25);
      const hi = quantile(q.histogram ?? [], 0.75);
      return (
        <>
          <p className="headline">
            {q.median != null && (
              <>
                Median guess <strong>{fmt(q.median)}</strong>
              </>
            )}
            {lo != null && hi != null && q.count >= 4 && <> · half of the guesses {lo === hi ? `are ${lo}` : `fall between ${lo} and ${hi}`}</>}
          </p>
          <Adjusted q={q} />
          <Histogram s={q} title={`${q.question.prompt} Guesses`} maxBins={20} />
          {q.interval && (
            <p className="small">
              <span className="legend-band" aria-hidden="true" /> {Math.round(q.interval.level * 100)}% interval of the average:{' '}
              {fmt(q.interval.low)}–{fmt(q.interval.high)} · <span className="legend-median" aria-hidden="true" /> median
            </p>
          )}
        </>
      );
    }
    case 'SCALE':
      return (
        <>
          <p className="headline">
            {q.mean != null && (
              <>
                Average <strong>{fmt(q.mean)}</strong>
              </>
            )}
            {q.median != null && <> · median {fmt(q.median)}</>}
            {q.interval && (
              <span className="small">
                {' '}
                (likely {fmt(q.interval.low)}–{fmt(q.interval.high)})
              </span>
            )}
          </p>
          <Adjusted q={q} />
          <Histogram s={q} title={`${q.question.prompt} Ratings`} />
        </>
      );
    case 'YES_NO':
      return <ShareBar s={q} />;
    case 'WORD':
      return <WordCloud words={q.words ?? []} />;
    default:
      return null;
  }
}

function OwnerActions({ id, isPublic }: { id: string; isPublic: boolean }) {
  const [vis, setVisibility] = useMutation(SetPhotoVisibilityMutation);
  const [del, deletePhoto] = useMutation(DeletePhotoMutation);
  const [confirming, setConfirming] = useState(false);
  // Shows the new state at once; the server's answer settles it.
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="owner-actions">
      <label className="check">
        <input
          type="checkbox"
          checked={pending ?? isPublic}
          disabled={vis.fetching}
          onChange={async (e) => {
            const want = e.target.checked;
            setError(null);
            setPending(want);
            const r = await setVisibility({ input: { photoId: id, public: want } });
            setPending(null);
            if (r.error) setError(friendlyError(r.error));
          }}
        />
        Public (on the front page and in top lists)
      </label>
      {!confirming ? (
        <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
          Delete photo…
        </button>
      ) : (
        <div className="confirm" role="group" aria-label="Confirm deletion">
          <p>Delete this photo for good? The image, its votes and all its results go. This cannot be undone.</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={del.fetching}
              autoFocus
              onClick={async () => {
                setError(null);
                const r = await deletePhoto({ input: { photoId: id } });
                if (r.error) setError(friendlyError(r.error));
                else navigate('/me', { replace: true });
              }}
            >
              {del.fetching ? 'Deleting…' : 'Delete for good'}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
