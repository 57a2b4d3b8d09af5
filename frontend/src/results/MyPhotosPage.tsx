// The uploader's photos (/me) with their vote counts, their karma, and a
// link to compare photos side by side (/compare).
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { friendlyError } from '../graphql/errors';
import { useAccountPage } from '../viewer';
import { KarmaNote } from '../ui/Karma';
import { Skeleton } from '../ui/Skeleton';
import { ConsentPrompt } from '../consent/ConsentPrompt';
import { needsConsent } from '../consent/consent';
import { MyPhotosStatusQuery, UNDER_REVIEW_TEXT } from '../consent/ownerStatus';

export const MyPhotosQuery = graphql(`
  query MyPhotos {
    viewer {
      id
      isAnonymous
      votesCast
      karma
      user {
        id
        handle
      }
      photos(first: 100) {
        nodes {
          id
          thumbnailUrl
          width
          height
          isPublic
          voteCount
          createdAt
        }
      }
    }
  }
`);

export function MyPhotosPage() {
  const { loading, needsAccount } = useAccountPage('/me');
  // What the cache holds at once, then the server's: the counts (votes cast,
  // karma, each photo's votes) change while the account judges and is judged.
  const [r] = useQuery({ query: MyPhotosQuery, pause: loading || needsAccount, requestPolicy: 'cache-and-network' });
  const photos = r.data?.viewer?.photos.nodes ?? [];
  // Moderation state and consent, asked apart: the list shows without them.
  const ids = photos.map((p) => p.id);
  const [status] = useQuery({ query: MyPhotosStatusQuery, variables: { ids }, pause: ids.length === 0 });
  const statusOf = new Map(
    (status.data?.nodes ?? []).flatMap((n) => (n && n.__typename === 'Photo' ? [[n.id, n] as const] : [])),
  );
  const unconsented = photos.filter((p) => needsConsent(statusOf.get(p.id)));
  return (
    <main className="narrow wide">
      <h1>My photos</h1>
      {(loading || (r.fetching && !r.data)) && <Skeleton label="Loading your photos" lines={2} />}
      {r.error && !r.data && (
        <p className="error" role="alert">
          {friendlyError(r.error)}
        </p>
      )}
      {r.data && (
        <p className="small">
          You judged {r.data.viewer?.votesCast ?? 0} {r.data.viewer?.votesCast === 1 ? 'photo' : 'photos'}.
        </p>
      )}
      {r.data?.viewer && <KarmaNote karma={r.data.viewer.karma} />}
      {r.data && photos.length === 0 && (
        <section className="card">
          <h2>No photos yet</h2>
          <p>
            <a className="primary button-link" href="/upload">
              Upload your first photo
            </a>
          </p>
        </section>
      )}
      {photos.length > 0 && (
        <>
          <p className="actions">
            <a className="primary button-link" href="/upload">
              Upload another
            </a>
            {photos.length >= 2 && (
              <a className="secondary button-link" href="/compare">
                Compare your photos
              </a>
            )}
          </p>
          {photos.some((p) => statusOf.get(p.id)?.moderationState === 'UNDER_REVIEW') && (
            <p className="notice under-review">
              <strong>Under review</strong>: {UNDER_REVIEW_TEXT.charAt(0).toLowerCase() + UNDER_REVIEW_TEXT.slice(1)}
            </p>
          )}
          {unconsented.length > 0 && (
            <section className="consent-needed" aria-label="Photos waiting for your consent">
              {unconsented.map((p) => (
                <div key={p.id} className="consent-row">
                  <a href={`/photos/${p.id}`}>
                    <img src={p.thumbnailUrl} alt={`Your photo of ${new Date(p.createdAt).toLocaleDateString()}`} loading="lazy" />
                  </a>
                  <ConsentPrompt photoId={p.id} compact />
                </div>
              ))}
            </section>
          )}
          <ul className="thumbs mine">
            {photos.map((p) => (
              <li key={p.id}>
                <a href={`/photos/${p.id}`}>
                  <img src={p.thumbnailUrl} alt={`Your photo of ${new Date(p.createdAt).toLocaleDateString()}`} loading="lazy" />
                  <span className="thumb-caption">
                    {p.voteCount} {p.voteCount === 1 ? 'vote' : 'votes'} · {p.isPublic ? 'public' : 'private'}
                  </span>
                  {statusOf.get(p.id)?.moderationState === 'UNDER_REVIEW' && (
                    <span className="thumb-caption under-review">Under review</span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
