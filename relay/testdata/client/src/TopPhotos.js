// A question's top list, paged both ways.
import { graphql } from 'react-relay';

export const query = graphql`
  fragment TopPhotos_query on Query
  @refetchable(queryName: "TopPhotosPaginationQuery")
  @argumentDefinitions(
    questionKey: { type: "String!" }
    first: { type: "Int", defaultValue: 10 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    topPhotos(questionKey: $questionKey, first: $first, after: $after, last: $last, before: $before)
      @connection(key: "TopPhotos_topPhotos") {
      edges {
        cursor
        node {
          ...PhotoCard_photo
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;
