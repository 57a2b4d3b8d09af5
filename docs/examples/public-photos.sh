#!/bin/sh
# The newest public photos: no session needed. API_URL is the server,
# e.g. http://localhost:8080.
curl -sS "$API_URL/graphql" \
  -H 'Content-Type: application/json' \
  -d '{"query":"{ photos(first: 3) { nodes { id thumbnailUrl voteCount } pageInfo { hasNextPage endCursor } } }"}'
