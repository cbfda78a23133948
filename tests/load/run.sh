#!/usr/bin/env bash
# Load test of the read API: requests/s and p99 latency of `skyx serve`
# (release build) on the 181-block test chain, with keep-alive, wrk with
# 2 threads x 32 connections, for three requests an exchange makes often:
#   - a transaction by id          GET /api/v1/transaction?txid=…
#   - the balance of 2 addresses   GET /api/v1/balance?addrs=A,B
#   - ten blocks                   GET /api/v1/blocks?start=1&end=10
# When SKYX_GO_NODE points at the reference node binary (built by
# tests/peers/build-skycoin-node.sh), the same requests are run against it
# on the same chain and the ratio skyx/reference is printed. skyx is
# measured twice: as it runs by default (answers of read-only routes are
# cached until the next block or pool change) and with
# `--response-cache-mb 0`, so the ratio without the cache is printed too.
#
# Usage: tests/load/run.sh            (DURATION=10s THREADS=2 CONNECTIONS=32)
# Needs: wrk (apt-get install -y wrk), curl.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
VECTORS=${SKYX_VECTORS:-$(cd .. && pwd)/shared/vectors}
DB="$VECTORS/skycoin/chain/blockchain-180.db"
TXID=e8fe5290afba3933389fd5860dca2cbcc81821028be9c65d0bb7cf4e8d2c4c18
ADDRS=2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf,R6aHqKWSQfvpdo2fGSrq4F1RYXkBWR9HHJ
PATHS=(
  "/api/v1/transaction?txid=$TXID"
  "/api/v1/balance?addrs=$ADDRS"
  "/api/v1/blocks?start=1&end=10"
)
NAMES=("transaction-by-id" "balance-2-addresses" "blocks-1-10")

command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
[ -f "$DB" ] || { echo "test chain not found: $DB (set SKYX_VECTORS)" >&2; exit 1; }

if [ -z "${SKYX_BIN:-}" ]; then
  cargo build --release -q -p skyx-api
  SKYX_BIN=target/release/skyx
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  return 1
}

# Runs wrk on URL; prints "<requests/s> <p99 ms>".
measure() {
  local out rps p99 unit
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  # wrk prints e.g. 1.23ms, 850.00us, 1.02s
  unit=$(sed -E 's/^[0-9.]+//' <<<"$p99")
  p99=$(sed -E 's/[a-z]+$//' <<<"$p99")
  case "$unit" in
    us) p99=$(awk -v v="$p99" 'BEGIN{printf "%.3f", v/1000}') ;;
    s) p99=$(awk -v v="$p99" 'BEGIN{printf "%.3f", v*1000}') ;;
    *) p99=$(awk -v v="$p99" 'BEGIN{printf "%.3f", v}') ;;
  esac
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  if [ -n "$non2xx" ]; then echo "warning: $non2xx non-2xx answers for $1" >&2; fi
  echo "$rps $p99"
}

echo "importing the test chain" >&2
"$SKYX_BIN" node import --data-dir "$WORK/skyx" "$DB" >/dev/null
PORT=$(free_port)
"$SKYX_BIN" serve --data-dir "$WORK/skyx" --http "127.0.0.1:$PORT" >/dev/null 2>"$WORK/skyx.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/api/v1/version" || { cat "$WORK/skyx.log" >&2; exit 1; }
# The same store served without the answer cache (read-only opens share it).
cp -r "$WORK/skyx" "$WORK/skyx-nocache"
NPORT=$(free_port)
"$SKYX_BIN" serve --data-dir "$WORK/skyx-nocache" --http "127.0.0.1:$NPORT" --response-cache-mb 0 \
  >/dev/null 2>"$WORK/skyx-nocache.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$NPORT/api/v1/version" || { cat "$WORK/skyx-nocache.log" >&2; exit 1; }

declare -A SKYX_RPS SKYX_P99 NC_RPS NC_P99 GO_RPS GO_P99
for i in "${!PATHS[@]}"; do
  # Both servers must give the same bytes before either is measured.
  if ! cmp -s <(curl -sf "http://127.0.0.1:$PORT${PATHS[$i]}") \
              <(curl -sf "http://127.0.0.1:$NPORT${PATHS[$i]}"); then
    echo "cached and uncached answers differ for ${PATHS[$i]}" >&2
    exit 1
  fi
  read -r r p < <(measure "http://127.0.0.1:$PORT${PATHS[$i]}")
  SKYX_RPS[$i]=$r; SKYX_P99[$i]=$p
  read -r r p < <(measure "http://127.0.0.1:$NPORT${PATHS[$i]}")
  NC_RPS[$i]=$r; NC_P99[$i]=$p
done

BASELINE=0
if [ -n "${SKYX_GO_NODE:-}" ] && [ -x "$SKYX_GO_NODE" ]; then
  GPORT=$(free_port)
  mkdir -p "$WORK/go"
  cp "$DB" "$WORK/go/data.db"
  "$SKYX_GO_NODE" -data-dir "$WORK/go" -db-path "$WORK/go/data.db" -db-read-only \
    -disable-networking -enable-all-api-sets -launch-browser=false -enable-gui=false \
    -web-interface-addr 127.0.0.1 -web-interface-port "$GPORT" -disable-csrf \
    >"$WORK/go.log" 2>&1 &
  PIDS+=($!)
  if wait_http "http://127.0.0.1:$GPORT/api/v1/version"; then
    BASELINE=1
    for i in "${!PATHS[@]}"; do
      read -r r p < <(measure "http://127.0.0.1:$GPORT${PATHS[$i]}")
      GO_RPS[$i]=$r; GO_P99[$i]=$p
    done
  else
    echo "the reference node did not start (log: $(tail -3 "$WORK/go.log"))" >&2
  fi
fi

printf '\n%-22s %12s %8s %14s %8s' "request" "skyx req/s" "p99 ms" "no-cache req/s" "p99 ms"
[ "$BASELINE" = 1 ] && printf ' %12s %8s %7s %9s' "ref req/s" "p99 ms" "ratio" "no-cache"
printf '\n'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.1fx", a/b; else print "n/a" }'; }
for i in "${!PATHS[@]}"; do
  printf '%-22s %12s %8s %14s %8s' "${NAMES[$i]}" "${SKYX_RPS[$i]}" "${SKYX_P99[$i]}" \
    "${NC_RPS[$i]}" "${NC_P99[$i]}"
  if [ "$BASELINE" = 1 ]; then
    printf ' %12s %8s %7s %9s' "${GO_RPS[$i]}" "${GO_P99[$i]}" \
      "$(ratio "${SKYX_RPS[$i]}" "${GO_RPS[$i]}")" "$(ratio "${NC_RPS[$i]}" "${GO_RPS[$i]}")"
  fi
  printf '\n'
done
if [ "$BASELINE" != 1 ]; then
  echo "baseline missing: set SKYX_GO_NODE to the reference node binary (tests/peers/build-skycoin-node.sh) to compare"
fi
echo "($THREADS threads x $CONNECTIONS connections, $DURATION each, keep-alive)"
