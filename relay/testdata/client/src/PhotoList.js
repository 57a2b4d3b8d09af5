// The public photos, paged both ways (usePaginationFragment's loadNext and
// loadPrevious), in either order.
import { graphql } from 'react-relay';

export const query = graphql`
  fragment PhotoList_query on Query
  @refetchable(queryName: "PhotoListPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 10 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
    orderBy: { type: "PhotoOrder" }
  ) {
    photos(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy)
      @connection(key: "PhotoList_photos", filters: ["orderBy"]) {
      edges {
        node {
          id
          ...PhotoCard_photo
        }
      }
    }
  }
`;
