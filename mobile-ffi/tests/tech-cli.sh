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
  # (A fresh file: the last server's "listening on" must not pass for this one's.)
  rm -f "$work/out"
  "$BAOXIU" serve --data "$work/server" --listen "$1" --demo >"$work/out" 2>"$work/err" &
  for _ in $(seq 100); do grep -q '^listening on' "$work/out" && break; sleep 0.1; done
  grep -q '^listening on' "$work/out" || { cat "$work/err"; exit 1; }
}

start 127.0.0.1:0
addr=$(sed -n 's/^listening on http:\/\///p' "$work/out")
tech_token=$(grep -A1 '^technician ' "$work/out" | sed -n 2p | tr -d ' ')
disp_token=$(grep -A1 '^dispatcher ' "$work/out" | sed -n 2p | tr -d ' ')

# Without --db the client keeps its files in the user's data directory, the login (a
# token) readable by the user only, and nothing in the current directory.
mkdir "$work/cwd"
(cd "$work/cwd" && env -u BAOXIU_TECH_DB XDG_DATA_HOME="$work/xdg" \
  "$TECH" login --server "http://$addr" --token "$tech_token" >/dev/null)
[ -f "$work/xdg/baoxiu-tech/replica.db" ] || { echo "no replica in the data directory"; exit 1; }
[ "$(stat -c %a "$work/xdg/baoxiu-tech/replica.db.login.json")" = 600 ] || { echo "login not private"; exit 1; }
[ -z "$(ls -A "$work/cwd")" ] || { echo "files left in the current directory"; exit 1; }

export BAOXIU_TECH_DB="$work/phone.db"

"$TECH" login --server "http://$addr" --token "$tech_token"
"$TECH" sync
# R-PAID: the fee schedule came with the sync, to quote from offline.
"$TECH" schedule >"$work/schedule.txt"
grep '^fee schedule v1' "$work/schedule.txt" >/dev/null
# (Outputs go to files before they are searched: a reader that stops at its first match
# would close the pipe while the client still writes, failing the step.)
"$TECH" orders >"$work/orders.txt"
order=$(awk '$2 == "scheduled" { print $1; exit }' "$work/orders.txt")
[ -n "$order" ] || { echo "no scheduled order"; exit 1; }

# The server goes down; the technician works on.
kill %1; wait %1 2>/dev/null || true
# R-APPOINT: the customer asks for a later visit; the phone records it offline.
"$TECH" reschedule "$order" "$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)" --consented \
  --reason "住戶改約" >"$work/reschedule.txt"
grep '\[scheduled\]' "$work/reschedule.txt" >/dev/null
"$TECH" arrive "$order" "水龍頭漏水"
# The priced lines, a schedule item (pre-approved) and a line off the schedule (a proposal).
"$TECH" fee "$order" --paid --code P02 --item "更換老化進水軟管:28000:6000" >"$work/fee.txt"
grep "awaiting the manager's approval" "$work/fee.txt" >/dev/null
"$TECH" consent "$order"
"$TECH" material "$order" "客戶自購水龍頭" --customer
"$TECH" complete "$order" --notes "更換完成"
"$TECH" sign "$order" "住戶"
"$TECH" tech-sign "$order" >"$work/tech-sign.txt"
grep '\[closed\]' "$work/tech-sign.txt" >/dev/null
"$TECH" status >"$work/status.txt"
grep '^8 change' "$work/status.txt" >/dev/null
if "$TECH" sync --timeout 2; then echo "sync should fail with the server down"; exit 1; fi

# The server comes back on the same address; one sync delivers everything.
start "$addr"
"$TECH" sync
"$TECH" status >"$work/status.txt"
grep '^0 change' "$work/status.txt" >/dev/null
full=$("$TECH" show "$order" | awk 'NR == 1 { print $1 }')
curl -fsS -H "Authorization: Bearer $disp_token" "http://$addr/api/v1/orders/$full" >"$work/order.json"
grep '"status":"closed"' "$work/order.json" >/dev/null
grep '"fees_not_approved"' "$work/order.json" >/dev/null
# The manager approves the proposal after the work; the phone learns it on its next sync.
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["state"]; print(json.dumps({"items": s["fees"]["items"], "paid": True, "reason": "現場追加，核准"}))' \
  "$work/order.json" >"$work/approve.json"
curl -fsS -X POST -H "Authorization: Bearer $disp_token" -H "Content-Type: application/json" \
  --data @"$work/approve.json" "http://$addr/api/v1/orders/$full/fees" >"$work/approved.json"
if grep '"fees_not_approved"' "$work/approved.json" >/dev/null; then
  echo "the approval left the anomaly"; exit 1
fi
"$TECH" sync
"$TECH" show "$order" >"$work/show.txt"
if grep "awaiting the manager's approval" "$work/show.txt"; then
  echo "the approval did not reach the phone"; exit 1
fi
grep 'customer signed (valid)' "$work/show.txt" >/dev/null

# S3: a driver asks for a repair with the server down; the fleet manager assesses it; a
# clerk counts the storeroom offline. Each on a device of its own.
token_of() { grep -A1 "^$1 " "$work/out" | sed -n 2p | tr -d ' '; }
driver_token=$(token_of driver)
fleet_token=$(token_of fleet_manager)
clerk_token=$(token_of logistics_clerk)
export BAOXIU_TECH_DB="$work/driver.db"
"$TECH" login --server "http://$addr" --token "$driver_token"
"$TECH" sync
kill %1; wait %1 2>/dev/null || true
"$TECH" repair request ABC-1234 "冷氣出風口異味" >"$work/request.txt"
grep '\[requested\]' "$work/request.txt" >/dev/null
repair=$(awk 'NR == 1 { print $1 }' "$work/request.txt")
export BAOXIU_TECH_DB="$work/clerk.db"
"$TECH" login --server "http://$addr" --token "$clerk_token"
start "$addr"
"$TECH" count open 2026 4 >"$work/count.txt"
count=$(awk 'NR == 1 { print $1 }' "$work/count.txt")
"$TECH" count item "$count" P-01 37 >/dev/null
"$TECH" count item "$count" W-01 120 >"$work/count.txt"
grep -E '^  P-01  37$' "$work/count.txt" >/dev/null
"$TECH" sync
# The department's requisition the demo holds: checked, then issued in part.
"$TECH" cases >"$work/clerk-cases.txt"
req=$(awk '$2 == "requisition" { print $1; exit }' "$work/clerk-cases.txt")
[ -n "$req" ] || { echo "no requisition"; exit 1; }
"$TECH" requisition check "$req" >/dev/null
"$TECH" requisition issue "$req" P-01:10 W-01:30 >"$work/issue.txt"
grep '\[partly_issued\]' "$work/issue.txt" >/dev/null
"$TECH" sync
BAOXIU_TECH_DB="$work/driver.db" "$TECH" sync
export BAOXIU_TECH_DB="$work/fleet.db"
"$TECH" login --server "http://$addr" --token "$fleet_token"
"$TECH" sync
"$TECH" cases >"$work/cases.txt"
grep "^$repair  vehicle_repair" "$work/cases.txt" >/dev/null
if grep stock_count "$work/cases.txt"; then echo "the fleet manager holds no count"; exit 1; fi
"$TECH" repair assess "$repair" --item "1:work:檢查冷氣濾網:80000" >"$work/assess.txt"
grep '\[assessed\]' "$work/assess.txt" >/dev/null
"$TECH" sync
echo "tech-cli: walk-through ok"
