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
