#!/usr/bin/env bash
# The README walk-through as a test: demo server, a technician works offline with the
# server down, the server comes back, sync, and the dispatcher's API shows the job.
# Usage: mobile-ffi/tests/tech-cli.sh <baoxiu> <baoxiu-tech>
set -euo pipefail
BAOXIU=$(realpath "$1")
TECH=$(realpath "$2")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

start() { # $1 listen address
  "$BAOXIU" serve --data "$work/server" --listen "$1" --demo >"$work/out" 2>"$work/err" &
  for _ in $(seq 100); do grep -q '^listening on' "$work/out" && break; sleep 0.1; done
  grep -q '^listening on' "$work/out" || { cat "$work/err"; exit 1; }
}

start 127.0.0.1:0
addr=$(sed -n 's/^listening on http:\/\///p' "$work/out")
tech_token=$(grep -A1 '^technician ' "$work/out" | sed -n 2p | tr -d ' ')
disp_token=$(grep -A1 '^dispatcher ' "$work/out" | sed -n 2p | tr -d ' ')
export BAOXIU_TECH_DB="$work/phone.db"

"$TECH" login --server "http://$addr" --token "$tech_token"
"$TECH" sync
order=$("$TECH" orders | awk '$2 == "scheduled" { print $1; exit }')
[ -n "$order" ] || { echo "no scheduled order"; exit 1; }

# The server goes down; the technician works on.
kill %1; wait %1 2>/dev/null || true
# R-APPOINT: the customer asks for a later visit; the phone records it offline.
"$TECH" reschedule "$order" "$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)" --consented \
  --reason "住戶改約" | grep '\[scheduled\]' >/dev/null
"$TECH" arrive "$order" "水龍頭漏水"
"$TECH" fee "$order"
"$TECH" consent "$order"
"$TECH" material "$order" "客戶自購水龍頭" --customer
"$TECH" complete "$order" --notes "更換完成"
"$TECH" sign "$order" "住戶"
"$TECH" tech-sign "$order" | grep '\[closed\]' >/dev/null
"$TECH" status | grep '^8 change' >/dev/null
if "$TECH" sync --timeout 2; then echo "sync should fail with the server down"; exit 1; fi

# The server comes back on the same address; one sync delivers everything.
start "$addr"
"$TECH" sync
"$TECH" status | grep '^0 change' >/dev/null
full=$("$TECH" show "$order" | awk 'NR == 1 { print $1 }')
curl -fsS -H "Authorization: Bearer $disp_token" "http://$addr/api/v1/orders/$full" | grep '"status":"closed"' >/dev/null
echo "tech-cli: walk-through ok"
