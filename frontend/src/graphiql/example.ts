/** What GraphiQL shows the first time it opens (later, the tabs it kept). */
export const EXAMPLE_OPERATION = `# FaceStat's GraphQL API. Run an operation
# with the ▶ button or Ctrl-Enter.
#
# Requests from this page carry your browser's
# FaceStat session, so mutations act as you.
# The Docs panel (the book icon) describes every
# type and field; the schema is also at
# /schema.graphql.
#
# Live results come over a WebSocket, e.g.
#   subscription {
#     photoStats(photoId: "...") { voteCount }
#   }

{
  questions {
    key
    prompt
    kind
  }
}
`;

/**
 * The tabs GraphiQL opens with the first time (later, the tabs it kept):
 * the introduction above, then example operations of docs/API-GUIDE.md,
 * each with its variables. example.test.ts validates them against the
 * schema.
 */
export const EXAMPLE_TABS = [
  { query: EXAMPLE_OPERATION },
  {
    query: `# Public photos, newest first: no session needed.
# Page on with after: pageInfo.endCursor.
query PublicPhotos($first: Int!, $after: String) {
  photos(first: $first, after: $after) {
    nodes {
      id
      thumbnailUrl
      voteCount
      postedBy { handle }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`,
    variables: '{ "first": 5 }',
  },
  {
    query: `# Judging: run NextPhoto, put its id and one answer per
# question of its survey in the variables, then run CastVote.
# Without a session, run StartSession first: this page
# keeps the session in your browser's cookies.
mutation StartSession {
  startAnonymousSession(input: { cookie: true }) {
    viewer { id isAnonymous }
  }
}

query NextPhoto {
  nextPhoto {
    id
    imageUrl
    survey { key prompt kind min max }
  }
}

mutation CastVote($input: CastVoteInput!) {
  castVote(input: $input) {
    photo { id stats { voteCount } }
    next { id }
  }
}
`,
    variables: `{
  "input": {
    "photoId": "paste nextPhoto.id",
    "answers": [
      { "questionKey": "attractive", "number": 7 }
    ]
  }
}`,
  },
  {
    query: `# Live statistics over graphql-ws: the current state, then
# every change. Put a public photo's id (or one you voted on)
# in the variables.
subscription PhotoStats($photoId: ID!) {
  photoStats(photoId: $photoId) {
    id
    version
    voteCount
    questions {
      question { key }
      count
      mean
    }
  }
}
`,
    variables: '{ "photoId": "paste a photo id" }',
  },
];
