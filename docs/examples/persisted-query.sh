#!/bin/sh
# Apollo's automatic persisted queries by hand: the hash alone first
# (PERSISTED_QUERY_NOT_FOUND), then the document with its hash once, then
# the hash alone again, by GET.
QUERY='{ questions { key kind } }'
HASH=$(printf '%s' "$QUERY" | sha256sum | cut -d' ' -f1)
EXT='{"persistedQuery":{"version":1,"sha256Hash":"'$HASH'"}}'
curl -sS "$API_URL/graphql" -H 'Content-Type: application/json' \
  -d '{"extensions":'"$EXT"'}'
echo
curl -sS "$API_URL/graphql" -H 'Content-Type: application/json' \
  -d '{"query":"'"$QUERY"'","extensions":'"$EXT"'}' >/dev/null
curl -sS -G "$API_URL/graphql" --data-urlencode "extensions=$EXT"
echo
