// Whether the signed-in account is a moderator. The schema has no role
// field: the cheapest question only moderators get an answer to is the
// first item of the queue. Asked once per account (the header stays
// mounted), never for anonymous judges or visitors without a session.
import { useQuery } from 'urql';
import { graphql } from '../gql';

export const ModeratorCheckQuery = graphql(`
  query ModeratorCheck {
    moderationQueue(first: 1) {
      pageInfo {
        hasNextPage
      }
    }
  }
`);

/** True once the server answered the queue for this account; false while asking and when refused. */
export function useIsModerator(signedIn: boolean): boolean {
  const [r] = useQuery({ query: ModeratorCheckQuery, pause: !signedIn, requestPolicy: 'network-only' });
  return signedIn && !!r.data?.moderationQueue;
}
