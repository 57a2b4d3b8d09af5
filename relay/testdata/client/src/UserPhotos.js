// An account's photos: a @refetchable fragment on a Node type, refetched
// through Query.node.
import { graphql } from 'react-relay';

export const user = graphql`
  fragment UserPhotos_user on User
  @refetchable(queryName: "UserPhotosPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 6 }, cursor: { type: "String" }) {
    handle
    photos(first: $count, after: $cursor) @connection(key: "UserPhotos_photos") {
      edges {
        node {
          ...PhotoCard_photo
        }
      }
    }
  }
`;
