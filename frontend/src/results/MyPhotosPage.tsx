// The uploader's photos (/me) with their vote counts.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { friendlyError } from '../graphql/errors';
import { navigate } from '../router';
import { useViewer } from '../viewer';
import { Skeleton } from '../ui/Skeleton';

export const MyPhotosQuery = graphql(`
  query MyPhotos {
    viewer {
      id
      isAnonymous
      votesCast
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
  const { viewer, loading } = useViewer();
  const needsAccount = !loading && (!viewer || viewer.isAnonymous);
  useEffect(() => {
    if (needsAccount) navigate('/signin?next=/me', { replace: true });
  }, [needsAccount]);
  const [r] = useQuery({ query: MyPhotosQuery, pause: loading || needsAccount });
  const photos = r.data?.viewer?.photos.nodes ?? [];
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
          You judged {r.data.viewer?.votesCast ?? 0} {r.data.viewer?.votesCast === 1 ? 'photo' : 'photos'}. Judging
          more gets your photos shown to judges sooner.
        </p>
      )}
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
          <p>
            <a className="primary button-link" href="/upload">
              Upload another
            </a>
          </p>
          <ul className="thumbs mine">
            {photos.map((p) => (
              <li key={p.id}>
                <a href={`/photos/${p.id}`}>
                  <img src={p.thumbnailUrl} alt={`Your photo of ${new Date(p.createdAt).toLocaleDateString()}`} loading="lazy" />
                  <span className="thumb-caption">
                    {p.voteCount} {p.voteCount === 1 ? 'vote' : 'votes'} · {p.isPublic ? 'public' : 'private'}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
