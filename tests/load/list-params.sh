#!/usr/bin/env bash
# Cost of a refused list parameter: the time of a POST /api/v1/balance whose
# form body holds 62,000 distinct three-character words in `addrs` (248 KB,
# over the 1,000-address limit), against the time of a request for one
# address, both measured in the same run against one `skyx serve` on the
# 181-block test chain, printed as a ratio. While four such requests run at
# once, the latency of /api/v1/health is measured too and printed as a
# ratio against its latency on an idle server.
#
# Usage: tests/load/list-params.sh        (ROUNDS=20; SKYX_BIN to skip the build)
# Needs: curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-20}
VECTORS=${SKYX_VECTORS:-$(cd .. && pwd)/shared/vectors}
DB="$VECTORS/skycoin/chain/blockchain-180.db"
[ -f "$DB" ] || { echo "test chain not found: $DB (set SKYX_VECTORS)" >&2; exit 1; }

if [ -z "${SKYX_BIN:-}" ]; then
  cargo build --release -q -p skyx-api
  SKYX_BIN=target/release/skyx
fi

WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SKYX_BIN" node import --data-dir "$WORK/data" "$DB" >/dev/null
"$SKYX_BIN" serve --data-dir "$WORK/data" --http 127.0.0.1:0 --json >"$WORK/addr" 2>/dev/null &
PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/addr" ] && break; sleep 0.05; done
BASE="http://$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$WORK/addr")"
for _ in $(seq 1 200); do curl -sf -o /dev/null "$BASE/api/v1/health" && break; sleep 0.05; done

# 62,000 distinct words of three base58 characters.
python3 - "$WORK/big" <<'PY'
import itertools, sys
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
words = ["".join(w) for w in itertools.islice(itertools.product(alphabet, repeat=3), 62000)]
open(sys.argv[1], "w").write("addrs=" + ",".join(words))
PY
printf 'addrs=2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf' >"$WORK/small"

# Mean seconds of ROUNDS POSTs of FILE; checks the status.
timed() {
  local file=$1 want=$2 total=0 t code
  for _ in $(seq 1 "$ROUNDS"); do
    read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
      -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$file" \
      "$BASE/api/v1/balance")
    [ "$code" = "$want" ] || { echo "expected $want, got $code" >&2; exit 1; }
    total=$(python3 -c "print($total + $t)")
  done
  python3 -c "print($total / $ROUNDS)"
}

# Mean seconds of ROUNDS GET /api/v1/health.
health() {
  local total=0 t
  for _ in $(seq 1 "$ROUNDS"); do
    t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/api/v1/health")
    total=$(python3 -c "print($total + $t)")
  done
  python3 -c "print($total / $ROUNDS)"
}

small=$(timed "$WORK/small" 200)
big=$(timed "$WORK/big" 400)
idle=$(health)
LOADERS=()
for _ in 1 2 3 4; do
  ( for _ in $(seq 1 "$ROUNDS"); do
      curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "@$WORK/big" "$BASE/api/v1/balance"
    done ) &
  LOADERS+=($!)
done
busy=$(health)
wait "${LOADERS[@]}"
python3 - "$small" "$big" "$idle" "$busy" <<'PY'
import sys
small, big, idle, busy = map(float, sys.argv[1:])
print(f"one address:            {small*1000:8.2f} ms")
print(f"62,000 words (refused): {big*1000:8.2f} ms   ratio {big/small:6.2f}")
print(f"health, idle:           {idle*1000:8.2f} ms")
print(f"health, 4 refused lists running: {busy*1000:8.2f} ms   ratio {busy/idle:6.2f}")
PY
