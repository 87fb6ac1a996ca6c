#!/usr/bin/env bash
# Image processing speed and weight (README “图片”):
#
#   bash bench/images.sh [COUNT] [ITEMS]      (default: 100 10000)
#
# Environment: RUNS=5 (builds per figure, the median is reported).
#
# 1. COUNT phone photos (bench/photos.py: 4000×3000 JPEG q92, every third
#    stored sideways with Orientation 6, GPS and camera EXIF) in COUNT/4
#    news bundles added to the demo site: a build with an empty cache
#    (3 runs), then rebuilds with the cache warm; the same site without the
#    photos for comparison. The image stage's own time comes from -v.
# 2. The same photos in a generated corpus of ITEMS items
#    (examples/gen_corpus.rs): a rebuild with a warm cache, with and
#    without the photos.
# 3. What a 390 px phone at density 3 downloads for the demo's news page is
#    measured in the browser suite (tests/external/browser/check.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-100}
ITEMS=${2:-10000}
RUNS=${RUNS:-5}
NOW=2026-11-21T12:00:00+08:00
WORK=bench/work/images
TARGET=${CARGO_TARGET_DIR:-target}
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow
cargo build --release -q --bin dangjian --example gen_corpus
mkdir -p "$WORK"
DJ=$WORK/dangjian
cp "$TARGET/release/dangjian" "$DJ"
cp "$TARGET/release/examples/gen_corpus" "$WORK/gen_corpus"

PHOTOS=$WORK/photos-$COUNT
if [ ! -f "$PHOTOS/done" ]; then
  rm -rf "$PHOTOS"
  python3 bench/photos.py "$PHOTOS" "$COUNT" --prefix IMG_BENCH >/dev/null
  touch "$PHOTOS/done"
fi

# add_photos SITE: COUNT/4 bundles of four photos each (the last one the cover).
add_photos() {
  local i=0 b dir
  for f in "$PHOTOS"/IMG_*.jpg; do
    b=$((i / 4)); dir=$1/content/news/2026-11-0$((b % 9 + 1))-photos-$b
    mkdir -p "$dir"
    cp "$f" "$dir/"
    if [ ! -f "$dir/index.md" ]; then
      printf -- '---\ntitle: 图片压力测试 %s\ndate: 2026-11-0%s 09:00\ncover: %s\ncover_alt: 走访现场\n---\n走访现场。\n' \
        "$b" "$((b % 9 + 1))" "$(basename "$f")" > "$dir/index.md"
    fi
    printf '\n![走访现场](%s)\n' "$(basename "$f")" >> "$dir/index.md"
    i=$((i + 1))
  done
}

# median SECONDS...
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timed SITE: wall seconds of one build (stdout of the build to $WORK/last.txt).
timed() {
  local s e
  s=$(date +%s.%N)
  "$DJ" build --root "$1" --now "$NOW" --out "$1/output" -v > "$WORK/last.txt"
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}

# stage NAME: the median of that stage in -v output over RUNS warm builds of SITE.
warm() {
  local site=$1 times=() stages=()
  for _ in $(seq "$RUNS"); do
    times+=("$(timed "$site")")
    stages+=("$(grep '处理图片' "$WORK/last.txt" | grep -o '[0-9.]*' | head -1)")
  done
  echo "$(median "${times[@]}") s (image stage $(median "${stages[@]}") ms)"
}

demo=$WORK/demo
rm -rf "$demo" && mkdir -p "$demo"
cp -r content static site.yaml "$demo/"
echo "== demo site without extra photos (4 photos)"
rm -rf "$demo/.dangjian-cache/images"
echo "cold: $(timed "$demo") s; $(grep '^图片：' "$WORK/last.txt")"
echo "warm: $(warm "$demo")"
add_photos "$demo"
echo "== demo site + $COUNT photos ($(du -sh "$PHOTOS" | cut -f1))"
cold=()
for _ in 1 2 3; do
  rm -rf "$demo/.dangjian-cache/images"
  cold+=("$(timed "$demo")")
done
echo "cold (median of 3): $(median "${cold[@]}") s; $(grep '^图片：' "$WORK/last.txt")"
echo "warm: $(warm "$demo")"
grep '^图片：' "$WORK/last.txt"
echo "output images: $(find "$demo/output" -name 'IMG_BENCH*' | wc -l) files, $(du -ch $(find "$demo/output" -name 'IMG_BENCH*') | tail -1 | cut -f1)"

corpus=$WORK/corpus-$ITEMS
if [ ! -d "$corpus/content" ]; then
  rm -rf "$corpus"
  "$WORK/gen_corpus" "$ITEMS" "$corpus" >/dev/null
fi
rm -rf "$corpus"/content/news/*-photos-*
echo "== corpus of $ITEMS items, no photos"
timed "$corpus" >/dev/null
echo "warm: $(warm "$corpus")"
add_photos "$corpus"
rm -rf "$corpus/.dangjian-cache/images"
echo "== corpus of $ITEMS items + $COUNT photos"
echo "cold (empty cache): $(timed "$corpus") s"
echo "warm: $(warm "$corpus")"
grep '^图片：' "$WORK/last.txt"
