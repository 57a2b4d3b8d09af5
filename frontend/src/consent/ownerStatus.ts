// What only a photo's owner is told about it: whether moderation hides it
// (UNDER_REVIEW) and the consent given with it. Asked through node(s),
// apart from the page's own query, so that the page does not depend on it.
import { graphql } from '../gql';

export const OwnerPhotoStatusFields = graphql(`
  fragment OwnerPhotoStatusFields on Photo {
    id
    moderationState
    consent {
      showsMe
      adult
      acceptsJudging
      givenAt
    }
  }
`);

export const PhotoOwnerStatusQuery = graphql(`
  query PhotoOwnerStatus($id: ID!) {
    node(id: $id) {
      __typename
      id
      ...OwnerPhotoStatusFields
    }
  }
`);

export const MyPhotosStatusQuery = graphql(`
  query MyPhotosStatus($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ...OwnerPhotoStatusFields
    }
  }
`);

export const UNDER_REVIEW_TEXT = 'Hidden from others while moderators review reports.';
