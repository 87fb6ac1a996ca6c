#!/usr/bin/env bash
# Benchmark: dangjian vs Hugo on the same generated corpus.
#
#   bash bench/run.sh [SIZES...]      (default: 1000 10000 50000)
#
# For each size, generates a corpus (examples/gen_corpus.rs) as a dangjian
# site and as an equivalent Hugo site, then builds each RUNS times from a
# clean output folder and prints the median wall time and peak memory
# (/usr/bin/time). Corpora live in $BENCH_DIR (default: /dev/shm when
# available, so the disk's noise stays out of the comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("${@:-1000 10000 50000}")
read -r -a SIZES <<< "${SIZES[*]}"
RUNS=${RUNS:-3}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-bench; else BENCH_DIR=bench/work; fi
fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hugo || [ ! -x /usr/bin/time ]; then
  echo "installing hugo and time (Debian packages)…" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq hugo time >/dev/null
fi

cargo build --release -q --bin dangjian --example gen_corpus
TARGET=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
DJ=$TARGET/release/dangjian
GEN=$TARGET/release/examples/gen_corpus
mkdir -p "$BENCH_DIR"

# Runs "$@" RUNS times after `rm -rf $OUT`; prints "median_seconds max_rss_mib".
measure() {
  local out=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$out"
    local line tf
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f "%e %M" "$@" >/dev/null 2>&1
    line=$(tail -n 1 "$tf")
    rm -f "$tf"
    times+=("${line% *}")
    local kb=${line#* }
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $((rss / 1024))"
}

echo "dangjian $(git rev-parse --short HEAD 2>/dev/null || echo '?') vs $(hugo version | cut -d' ' -f1-2); $(nproc) cores; corpora in $BENCH_DIR; median of $RUNS runs"
printf '%8s  %14s  %14s  %14s  %14s  %8s\n' items "dangjian s" "dangjian MiB" "hugo s" "hugo MiB" speedup
for n in "${SIZES[@]}"; do
  site=$BENCH_DIR/dj-$n hugo_site=$BENCH_DIR/hugo-$n
  "$GEN" "$n" "$site" --hugo "$hugo_site" >/dev/null
  read -r dj_s dj_m < <(measure "$site/output" "$DJ" build --root "$site" --now 2026-11-21T12:00:00+08:00)
  read -r hu_s hu_m < <(cd "$hugo_site" && measure "$hugo_site/public" hugo --quiet --source "$hugo_site")
  ratio=$(awk -v a="$hu_s" -v b="$dj_s" 'BEGIN { printf "%.1fx", a / b }')
  printf '%8s  %14s  %14s  %14s  %14s  %8s\n' "$n" "$dj_s" "$dj_m" "$hu_s" "$hu_m" "$ratio"
done

# Where the time goes at 10,000 items.
if [ -d "$BENCH_DIR/dj-10000" ]; then
  echo
  echo "dangjian stages at 10,000 items:"
  rm -rf "$BENCH_DIR/dj-10000/output"
  "$DJ" build --root "$BENCH_DIR/dj-10000" --now 2026-11-21T12:00:00+08:00 -v | sed 's/^/  /'
fi
