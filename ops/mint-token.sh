#!/usr/bin/env bash
# Mints an HS256 JWT for testing the gateway's auth (needs openssl).
#   ops/mint-token.sh SECRET SUBJECT 'publish,patterns' 'subscribe,patterns' [TTL_SECONDS]
# e.g. ops/mint-token.sh "$SECRET" alice 'orders.>' 'orders.>,alerts.*' 3600
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 SECRET SUBJECT PUBLISH_PATTERNS SUBSCRIBE_PATTERNS [TTL_SECONDS]" >&2
  exit 2
fi
secret=$1 sub=$2 pub=$3 subs=$4 ttl=${5:-3600}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
json_list() { # "a,b" -> ["a","b"]
  local out="" item
  IFS=',' read -ra items <<< "$1"
  for item in "${items[@]}"; do [ -n "$item" ] && out="$out${out:+,}\"$item\""; done
  printf '[%s]' "$out"
}
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"%s","iat":%d,"exp":%d,"publish":%s,"subscribe":%s}' \
  "$sub" "$now" $((now + ttl)) "$(json_list "$pub")" "$(json_list "$subs")" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
