// The statistics a results page shows, shared by the photo query and the
// live subscription so that each update completes the cached entity.
import { graphql } from '../gql';

export const ResultsStats = graphql(`
  fragment ResultsStats on PhotoStats {
    id
    version
    voteCount
    updatedAt
    questions {
      question {
        id
        key
        prompt
        kind
        min
        max
      }
      count
      mean
      median
      stddev
      interval {
        low
        high
        level
      }
      yesShare
      histogram {
        value
        count
      }
      words {
        word
        count
      }
      percentile
      stable
    }
  }
`);
