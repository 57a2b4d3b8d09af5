#!/bin/sh
# An anonymous session, then the next photo to judge with its survey.
TOKEN=$(curl -sS "$API_URL/graphql" \
  -H 'Content-Type: application/json' \
  -d '{"query":"mutation { startAnonymousSession { token } }"}' |
  sed 's/.*"token":"\([^"]*\)".*/\1/')
curl -sS "$API_URL/graphql" \
  -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $TOKEN" \
  -d '{"query":"{ viewer { isAnonymous } nextPhoto { id imageUrl survey { key kind min max } } }"}'
