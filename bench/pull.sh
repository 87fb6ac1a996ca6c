#!/usr/bin/env bash
# Benchmark of `dangjian pull` and of building a county site from its cache.
#
#   bash bench/pull.sh [SOURCES] [PORTS]      (default: 1200 sources on 8 ports)
#
# bench/pull_server.py serves SOURCES branch feeds (RSS, Atom, JSON Feed,
# 20 entries each, ~10 KB) on loopback with ETag/304 support. A county site
# with one village per source (60 towns of 20) pulls them all with the
# default `pull:` settings (16 requests at once, 4 per server), pulls again
# (every feed answers 304), then builds. Each step runs RUNS times (the first
# pull from an empty cache each time); the median time and the highest peak
# memory (/usr/bin/time) are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1200}
PORTS=${2:-8}
RUNS=${RUNS:-3}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-pull-bench; else BENCH_DIR=bench/work/pull; fi
fi
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
fi

cargo build --release -q --bin dangjian
DJ=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/dangjian

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
# A copy, so that another build into a shared target folder cannot swap it mid-run.
cp "$DJ" "$BENCH_DIR/dangjian"
DJ=$BENCH_DIR/dangjian
site=$BENCH_DIR/county
mkdir -p "$site/content/news"
python3 bench/pull_server.py "$N" "$PORTS" "$BENCH_DIR/sources.yaml" > "$BENCH_DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q ready "$BENCH_DIR/server.log" 2>/dev/null && break; sleep 0.2; done

{
  printf 'title: 基准县党建网\nbase_url: https://county.example.org/\npagination: 20\norganization:\n  id: county\n  name: 基准县委\n  children:\n'
  for t in $(seq 1 $(( (N + 19) / 20 ))); do
    printf '    - id: t%03d\n      name: 第%d镇党委\n      children:\n' "$t" "$t"
    for v in $(seq $(( (t - 1) * 20 + 1 )) $(( t * 20 > N ? N : t * 20 ))); do
      printf '        - id: v%04d\n          name: 第%d村党支部\n' "$v" "$v"
    done
  done
  cat "$BENCH_DIR/sources.yaml"
} > "$site/site.yaml"
printf -- '---\ntitle: 县委召开全县组织工作会议\ndate: 2026-11-20 09:00\n---\n会议部署了冬春训工作。\n' > "$site/content/news/a.md"

# Runs "$@" once; prints "seconds max_rss_mib".
timed() {
  local tf; tf=$(mktemp)
  /usr/bin/time -o "$tf" -f "%e %M" "$@" > "$BENCH_DIR/last.out" 2>&1
  local line; line=$(tail -n 1 "$tf"); rm -f "$tf"
  echo "${line% *} $(( ${line#* } / 1024 ))"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a t1 m1 t2 m2 tb mb
for _ in $(seq "$RUNS"); do
  rm -rf "$site/.dangjian-cache" "$site/output"
  read -r s m < <(timed "$DJ" pull --root "$site"); t1+=("$s"); m1+=("$m")
  grep -q "更新 $N 个" "$BENCH_DIR/last.out" || { cat "$BENCH_DIR/last.out"; exit 1; }
  read -r s m < <(timed "$DJ" pull --root "$site"); t2+=("$s"); m2+=("$m")
  grep -q "未变化 $N 个" "$BENCH_DIR/last.out" || { cat "$BENCH_DIR/last.out"; exit 1; }
  read -r s m < <(timed "$DJ" build --root "$site" --now 2026-11-21T12:00:00+08:00); tb+=("$s"); mb+=("$m")
  summary=$(grep 上下联动 "$BENCH_DIR/last.out")
done
max() { printf '%s\n' "$@" | sort -n | tail -1; }
echo "dangjian $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $N sources on $PORTS loopback ports; $(nproc) cores; median of $RUNS runs"
echo "$summary"
printf '%-38s %10s %12s\n' step seconds "peak MiB"
printf '%-38s %10s %12s\n' "first pull (empty cache, all 200)" "$(median "${t1[@]}")" "$(max "${m1[@]}")"
printf '%-38s %10s %12s\n' "second pull (all 304)" "$(median "${t2[@]}")" "$(max "${m2[@]}")"
printf '%-38s %10s %12s\n' "build from the cache" "$(median "${tb[@]}")" "$(max "${mb[@]}")"
du -sh "$site/.dangjian-cache" | awk '{print "cache on disk: " $1}'
