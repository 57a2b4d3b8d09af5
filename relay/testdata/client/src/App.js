// The screen's query, spreading the fragments above.
import { graphql } from 'react-relay';

export const appQuery = graphql`
  query AppQuery($userId: ID!) {
    ...PhotoList_query
    ...TopPhotos_query @arguments(questionKey: "age", first: 5)
    node(id: $userId) {
      ...UserPhotos_user @alias
    }
    viewer {
      photos(last: 3) {
        pageInfo {
          hasPreviousPage
          startCursor
        }
        nodes {
          ...PhotoCard_photo
        }
      }
    }
  }
`;
