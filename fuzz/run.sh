#!/usr/bin/env bash
# Builds the fuzz targets once and runs each of them (one after another, or
# a few at once) for a bounded time or number of executions; fails when any
# of them crashes, hangs or makes an oversized allocation, printing the input
# that caused it.
#
# Usage: fuzz/run.sh [--seconds N | --runs N] [--parallel N] [--no-build] [TARGET...]
#   --seconds N   time per target (default 30)
#   --runs N      executions per target instead (the long run: --runs 10000000)
#   --parallel N  targets run at once, one core each (default 1)
#   --no-build    use the binaries already built
#   TARGET...     a subset of the targets (default: all)
# Extra libFuzzer flags can be given in SKYX_FUZZ_FLAGS. Set SKYX_VECTORS to
# the shared vectors when they are not beside the checkout. Run it under
# `nice -n 19` on a shared machine: each target uses one core.
#
# It installs what is missing: the nightly toolchain (rustup, minimal
# profile) and cargo-fuzz (crates.io, --locked). The corpus grows in
# fuzz/corpus/<target>/ (seeded from the vectors by fuzz/seeds.py), crash
# inputs land in fuzz/artifacts/<target>/, and one line of figures per
# target (executions, exec/s, corpus size, coverage) is appended to
# fuzz/artifacts/stats.tsv.
set -euo pipefail
cd "$(dirname "$0")"
fuzz=$PWD

ALL_TARGETS=(sky_transaction sky_block peer_message bolt_db btc_block chain_file sky_wallet amount
  address journal)

# Largest input per target: above the largest seed, far below what would
# slow every run (a Skycoin transaction is at most 32 KiB on mainnet).
max_len() {
  case "$1" in
    btc_block) echo 65536 ;;
    bolt_db | sky_block | peer_message | chain_file | sky_wallet | journal) echo 16384 ;;
    amount | address) echo 512 ;;
    *) echo 8192 ;;
  esac
}

seconds=30
runs=
parallel=1
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --no-build) build=; shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

if [ -n "$build" ]; then
  if ! rustup toolchain list | grep -q '^nightly'; then
    echo "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
  # One build of every target: optimised, with debug assertions and
  # overflow checks, without a sanitizer (safe Rust needs none to report a
  # panic; LimitedAlloc in src/lib.rs stands in for ASan's allocation limit).
  cargo +nightly fuzz build -O -a -s none
fi

python3 seeds.py >/dev/null
bin=$fuzz/target/x86_64-unknown-linux-gnu/release
mkdir -p artifacts
stats=$fuzz/artifacts/stats.tsv
[ -f "$stats" ] || printf 'date\ttarget\texecutions\texec_per_sec\tcorpus_files\tcorpus_bytes\tcoverage\tfeatures\tseconds\n' >"$stats"

# Runs one target; its summary line goes to stdout, a failure report to
# stderr and its exit status to artifacts/<target>.rc.
run_target() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  local flags=(-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="artifacts/$t/")
  [ -f "dicts/$t.dict" ] && flags+=(-dict="dicts/$t.dict")
  if [ -n "$runs" ]; then flags+=(-runs="$runs"); else flags+=(-max_total_time="$seconds"); fi
  # shellcheck disable=SC2206
  flags+=(${SKYX_FUZZ_FLAGS:-})
  local log=$fuzz/artifacts/$t.log rc start elapsed execs rate last cov ft files bytes crash
  start=$(date +%s)
  set +e
  "$bin/$t" "corpus/$t" "${flags[@]}" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  files=$(find "corpus/$t" -type f | wc -l)
  bytes=$(du -sb "corpus/$t" | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${execs:-0}" \
    "${rate:-0}" "$files" "$bytes" "${cov:-0}" "${ft:-0}" "$elapsed" >>"$stats"
  printf '%-16s %12s execs %8s exec/s  corpus %6s files  cov %6s  ft %6s  %4ss\n' \
    "$t" "${execs:-0}" "${rate:-0}" "$files" "${cov:-0}" "${ft:-0}" "$elapsed"
  echo "$rc" >"artifacts/$t.rc"
  if [ "$rc" -ne 0 ]; then
    {
      echo "FAILED: $t (exit $rc); log: $log"
      grep -E -A12 'panicked at|==skyx-fuzz==|ERROR: libFuzzer' "$log" | head -n 30 || true
      crash=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
      if [ -n "$crash" ] && [ -f "$crash" ]; then
        echo "input ($(wc -c <"$crash") bytes, hex): $fuzz/$crash"
        od -An -tx1 -v "$crash" | tr -d ' \n' | head -c 4096
        echo
      fi
    } >&2
  fi
}

for t in "${targets[@]}"; do
  [ -x "$bin/$t" ] || { echo "no binary for target $t (build first)" >&2; exit 2; }
  rm -f "artifacts/$t.rc"
done
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  run_target "$t" &
done
wait

failed=()
for t in "${targets[@]}"; do
  [ "$(cat "artifacts/$t.rc" 2>/dev/null || echo 1)" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]}" >&2
  exit 1
fi
