// The statistics a results page shows, shared by the photo query and the
// live subscription so that each update completes the cached entity.
import { graphql } from '../gql';

// What a page needs of a question to show its answers or ask it.
export const QuestionFields = graphql(`
  fragment QuestionFields on Question {
    id
    key
    prompt
    kind
    min
    max
  }
`);

export const ResultsStats = graphql(`
  fragment ResultsStats on PhotoStats {
    id
    version
    voteCount
    updatedAt
    questions {
      question {
        ...QuestionFields
      }
      count
      mean
      adjustedMean
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
