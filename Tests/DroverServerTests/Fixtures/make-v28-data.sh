#!/usr/bin/env bash
# Makes the `v28-data` fixture: a data directory written by the server as it was at d117841
# (schema version 28, before users: one admin token per organisation), with that admin token
# kept in `admin-token` so the upgrade test can check that it still works. Run from the
# repository root with that version's `drover`:
#   Tests/DroverServerTests/Fixtures/make-v28-data.sh .build/debug/drover
set -euo pipefail
drover=${1:?path to the drover binary of the old version}
out=${OUT:-Tests/DroverServerTests/Fixtures/v28-data}
data=$(mktemp -d)
port=$((20000 + RANDOM % 10000))
"$drover" server --data "$data" --listen 127.0.0.1:$port >"$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/v1/health >/dev/null && break; sleep 0.1; done
token=$(tr -d '\n' <"$data/admin-token")
api() { curl -sf -X "$1" "http://127.0.0.1:$port$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
api POST /v1/fleets '{"name":"lab"}' >/dev/null
key=$(api POST /v1/fleets/lab/keys '{}' | sed 's/.*"key":"\([^"]*\)".*/\1/')
curl -sf -X POST "http://127.0.0.1:$port/v1/devices" -H 'Content-Type: application/json' -d "{\"provisioningKey\":\"$key\",\"name\":\"pi\"}" >/dev/null
api POST /v1/fleets/lab/releases '{"compose":"services:\n  web:\n    image: nginx:1.27\n"}' >/dev/null
kill $server
wait $server 2>/dev/null || true
mkdir -p "$out"
cp "$data/drover.sqlite" "$out/drover.sqlite"
cp "$data/admin-token" "$out/admin-token"
rm -rf "$data" "$data.log"
