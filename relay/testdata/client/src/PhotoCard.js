// A photo as the list items show it.
import { graphql } from 'react-relay';

export const photo = graphql`
  fragment PhotoCard_photo on Photo {
    id
    thumbnailUrl
    width
    height
    postedBy {
      handle
    }
  }
`;
