// The front page: judge or upload, then recent and top public photos. The
// photos come inlined in the page the server generated (no GraphQL request);
// `vite dev` and other shells without them fall back to a query.
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { inlinedFrontData, type FrontPhoto } from './frontData';

// The fields a photo thumbnail needs (also used by the top lists).
export const ThumbPhotoFields = graphql(`
  fragment ThumbPhoto on Photo {
    id
    imageUrl
    thumbnailUrl
    width
    height
    voteCount
    postedBy {
      id
      handle
    }
  }
`);

export const FrontPhotosQuery = graphql(`
  query FrontPhotos {
    photos(first: 12) {
      nodes {
        ...ThumbPhoto
      }
    }
    topPhotos(questionKey: "attractive", first: 12) {
      nodes {
        ...ThumbPhoto
      }
    }
  }
`);

export function PhotoGrid({ title, photos }: { title: string; photos: FrontPhoto[] }) {
  if (photos.length === 0) return null;
  const id = `front-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="thumbs">
        {photos.map((p) => (
          <li key={p.id}>
            <a href={`/photos/${p.id}`}>
              <img
                src={p.thumbnailUrl}
                alt={p.postedBy?.handle ? `Photo by ${p.postedBy.handle}` : 'A photo'}
                loading="lazy"
                decoding="async"
                width={p.width && p.height ? Math.round((400 * p.width) / Math.max(p.width, p.height)) : undefined}
                height={p.width && p.height ? Math.round((400 * p.height) / Math.max(p.width, p.height)) : undefined}
              />
              <span className="thumb-caption">
                {p.voteCount} {p.voteCount === 1 ? 'vote' : 'votes'}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function HomePage() {
  const inlined = inlinedFrontData();
  const [r] = useQuery({ query: FrontPhotosQuery, pause: inlined !== null });
  const recent = inlined?.recent ?? r.data?.photos.nodes ?? [];
  const top = inlined?.top ?? r.data?.topPhotos.nodes ?? [];
  return (
    <main className="home">
      <h1>FaceStat</h1>
      <p className="lead">
        How do you come across? Strangers guess your age and say whether you look trustworthy, intelligent, happy.
      </p>
      <p className="actions">
        <a className="primary button-link" href="/judge">
          Judge now
        </a>
        <a className="secondary button-link" href="/upload">
          Upload yours
        </a>
      </p>
      <p className="small">
        Judging needs no sign-up. See the <a href="/top">top photos</a> for each question. Developers: read{' '}
        <a href="/developers">the API guide</a>.
      </p>
      <PhotoGrid title="Top photos" photos={top} />
      <PhotoGrid title="Recent photos" photos={recent} />
      {!inlined && r.fetching && !r.data && <p className="small">Loading photos…</p>}
    </main>
  );
}
