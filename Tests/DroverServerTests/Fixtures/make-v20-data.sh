#!/usr/bin/env bash
# Makes the `v20-data` fixture: a data directory written by the server as it was at acce536
# (schema version 20, one-shot commands as sentinel rows in `restarts`), and the target JSON
# each device was served then. Run from the repository root with that version's `drover`:
#   Tests/DroverServerTests/Fixtures/make-v20-data.sh .build/debug/drover
set -euo pipefail
drover=${1:?path to the drover binary of the old version}
out=${OUT:-Tests/DroverServerTests/Fixtures/v20-data}
data=$(mktemp -d)
port=$((20000 + RANDOM % 10000))
"$drover" server --data "$data" --listen 127.0.0.1:$port >"$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/v1/health >/dev/null && break; sleep 0.1; done
token=$(tr -d '\n' <"$data/admin-token")
api() { curl -sf -X "$1" "http://127.0.0.1:$port$2" -H "Authorization: Bearer ${4:-$token}" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
api POST /v1/fleets '{"name":"lab"}' >/dev/null
key=$(api POST /v1/fleets/lab/keys '{}' | sed 's/.*"key":"\([^"]*\)".*/\1/')
pi=$(api POST /v1/devices "{\"provisioningKey\":\"$key\",\"name\":\"pi\",\"architecture\":\"arm64\"}")
nuc=$(api POST /v1/devices "{\"provisioningKey\":\"$key\",\"name\":\"nuc\",\"architecture\":\"amd64\"}")
pi_key=$(echo "$pi" | sed 's/.*"apiKey":"\([^"]*\)".*/\1/')
nuc_key=$(echo "$nuc" | sed 's/.*"apiKey":"\([^"]*\)".*/\1/')
compose='services:\n  web:\n    image: nginx:1.27\n    environment:\n      MODE: compose\n  worker:\n    image: busybox:1.36\n    command: [\"sleep\", \"infinity\"]\n'
release=$(api POST /v1/fleets/lab/releases "{\"compose\":\"$compose\"}" | sed 's/.*"id":"\([^"]*\)".*/\1/')
api PUT /v1/env '{"fleet":"lab","name":"LEVEL","value":"fleet"}' >/dev/null
api PUT /v1/env '{"fleet":"lab","name":"COLOR","value":"blue"}' >/dev/null
api PUT /v1/env '{"fleet":"lab","service":"web","name":"LEVEL","value":"fleet-web"}' >/dev/null
api PUT /v1/env '{"device":"pi","name":"LEVEL","value":"device"}' >/dev/null
api PUT /v1/env '{"device":"pi","service":"worker","name":"COLOR","value":"red"}' >/dev/null
api PUT /v1/devices/pi/tags '{"set":{"site":"basement","rack":"2"}}' >/dev/null
api PUT /v1/devices/nuc/tags '{"set":{"site":"attic"}}' >/dev/null
for action in '{"action":"restart"}' '{"action":"restart"}' '{"action":"restart","service":"web"}' '{"action":"stop","service":"worker"}' \
    '{"action":"purge"}' '{"action":"update"}' '{"action":"update"}' '{"action":"retry"}'; do
    api POST /v1/devices/pi/actions "$action" >/dev/null
done
for action in '{"action":"stop","service":"web"}' '{"action":"start","service":"web"}' '{"action":"retry"}'; do
    api POST /v1/devices/nuc/actions "$action" >/dev/null
done
api PATCH /v1/device/state "{\"release\":\"$release\",\"status\":\"running\",\"architecture\":\"arm64\",\"services\":{\"web\":{\"status\":\"running\",\"release\":\"$release\"}},\"rollout\":{\"release\":\"$release\",\"outcome\":\"healthy\"}}" "$pi_key" >/dev/null
api POST /v1/device/logs '{"lines":[{"timestamp":"2026-11-26T06:00:00Z","service":"web","stream":"stdout","message":"listening on :80"},{"timestamp":"2026-11-26T06:00:01Z","service":"worker","stream":"stderr","message":"started"}]}' "$pi_key" >/dev/null
rm -rf "$out" && mkdir -p "$out"
api GET /v1/device/state '' "$pi_key" >"$out/target-pi.json"
api GET /v1/device/state '' "$nuc_key" >"$out/target-nuc.json"
kill -TERM $server && wait $server || true
trap - EXIT
sqlite3 "$data/drover.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
test ! -s "$data/drover.sqlite-wal"
cp "$data/drover.sqlite" "$out/drover.sqlite"
echo "release $release; pi $(echo "$pi" | sed 's/.*"uuid":"\([^"]*\)".*/\1/'); nuc $(echo "$nuc" | sed 's/.*"uuid":"\([^"]*\)".*/\1/')"
