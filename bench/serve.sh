#!/usr/bin/env bash
# Benchmark of `dangjian serve` on a generated corpus:
#
#   bash bench/serve.sh [SIZE]      (default: 10000)
#
# Generates SIZE items (examples/gen_corpus.rs), starts the preview, and
# runs examples/serve_bench.rs: 20 edits timed from the file write to the
# reload event reaching a connected client (median and worst), one
# template change, and the server's memory. The corpus lives in $BENCH_DIR
# (default /dev/shm when available).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-10000}
PORT=${PORT:-1311}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-bench; else BENCH_DIR=bench/work; fi
fi
cargo build --release -q --bin dangjian --example gen_corpus --example serve_bench
TARGET=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
DJ=$TARGET/release/dangjian
SITE=$BENCH_DIR/serve-$SIZE
rm -rf "$SITE"
mkdir -p "$BENCH_DIR"
"$TARGET/release/examples/gen_corpus" "$SIZE" "$SITE" >/dev/null

LOG=$(mktemp)
"$DJ" serve --root "$SITE" --port "$PORT" --now "2026-11-21T12:00:00+08:00" 2>"$LOG" &
PID=$!
trap 'kill -INT $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  grep -q '预览地址' "$LOG" && break
  sleep 0.1
done
grep '已生成' "$LOG" || { cat "$LOG"; exit 1; }
echo "corpus: $SIZE items"
"$TARGET/release/examples/serve_bench" "$SITE" "$PORT" "$PID" 20
