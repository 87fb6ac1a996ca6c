#!/usr/bin/env bash
# Benchmark: dangjian vs Hugo and Zola on the same generated corpus.
#
#   bash bench/run.sh [SIZES...]         (default: 1000 10000)
#
# Environment:
#   RUNS=3            builds per tool and size (the median is reported)
#   BENCH_DIR=...     where clean-build corpora live (default /dev/shm, so the
#                     disk's noise stays out of the comparison)
#   DISK_DIR=...      where the rebuild test runs, on the ordinary disk
#                     (default bench/work; set DISK_DIR= to skip it)
#   REF=9e5ec98       also build and time this commit of dangjian (in
#                     bench/work/ref), for "faster than an earlier version"
#   NO_ZOLA=1 / NO_HUGO=1   leave a peer out (e.g. at 1,000,000 items)
#   UPDATE=1          write the figures to bench/results.tsv and the README's
#                     benchmark table (between its bench markers)
#
# For each size it generates the corpus (examples/gen_corpus.rs) as a dangjian
# site, a Hugo site and a Zola site with equivalent templates, builds each
# RUNS times into an empty output folder, and prints median wall time and
# peak memory (/usr/bin/time), the ratios, dangjian's stages (-v), and the
# change against the figures last committed in bench/results.tsv (a
# slowdown of more than 15% is flagged).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("${@:-1000 10000}")
read -r -a SIZES <<< "${SIZES[*]}"
RUNS=${RUNS:-3}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-bench; else BENCH_DIR=bench/work; fi
fi
DISK_DIR=${DISK_DIR-bench/work/disk}
ZOLA=$(realpath "${ZOLA:-../shared/peers/zola}" 2>/dev/null || echo /nonexistent)
NOW=2026-11-21T12:00:00+08:00
RESULTS=bench/results.tsv

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hugo || [ ! -x /usr/bin/time ]; then
  echo "installing hugo and time (Debian packages)…" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq hugo time >/dev/null
fi
[ -x "$ZOLA" ] || NO_ZOLA=1

TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -q --bin dangjian --example gen_corpus
mkdir -p "$BENCH_DIR"
# Copies, so another build replacing the binary cannot change a run.
DJ=$BENCH_DIR/dangjian GEN=$BENCH_DIR/gen_corpus
cp "$TARGET/release/dangjian" "$DJ"
cp "$TARGET/release/examples/gen_corpus" "$GEN"

REF_BIN=
if [ -n "${REF:-}" ]; then
  ref_dir=bench/work/ref
  if [ ! -x "$ref_dir/bin-$REF" ]; then
    echo "building dangjian $REF for reference…" >&2
    rm -rf "$ref_dir/src"
    mkdir -p "$ref_dir"
    git worktree add -f -q --detach "$ref_dir/src" "$REF"
    (cd "$ref_dir/src" && CARGO_TARGET_DIR="$PWD/../target" cargo build --release -q --bin dangjian)
    cp "$ref_dir/target/release/dangjian" "$ref_dir/bin-$REF"
    git worktree remove --force "$ref_dir/src"
  fi
  REF_BIN=$PWD/$ref_dir/bin-$REF
fi

# Runs "$@" RUNS times after `rm -rf $OUT`; prints "median_seconds max_rss_mib".
measure() {
  local out=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$out"
    local line tf
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f "%e %M" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$tf" >&2; }
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

# The last committed figure for a key (tool:size or stage:size), if any.
previous() { [ -f "$RESULTS" ] && awk -F'\t' -v k="$1" '$1 == k {print $2}' "$RESULTS" | tail -n 1; }
change() { # change NEW KEY → "+12%" (with a flag past +15%)
  local old; old=$(previous "$2")
  [ -n "$old" ] || { echo "new"; return; }
  awk -v a="$1" -v b="$old" 'BEGIN { if (b == 0) { print "—"; exit } d = (a - b) / b * 100; printf "%+.0f%%%s", d, (d > 15 ? " SLOWER" : "") }'
}

declare -A FIG
echo "dangjian $(git rev-parse --short HEAD 2>/dev/null || echo '?') vs $(hugo version | cut -d' ' -f1-2)${NO_ZOLA:+}$( [ -z "${NO_ZOLA:-}" ] && echo ", $("$ZOLA" --version)"); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); corpora in $BENCH_DIR; median of $RUNS"
printf '%9s  %10s %8s  %10s %8s  %10s %8s  %8s %8s  %s\n' items "dangjian s" MiB "hugo s" MiB "zola s" MiB "÷hugo" "÷zola" "vs last"
for n in "${SIZES[@]}"; do
  site=$BENCH_DIR/dj-$n hugo_site=$BENCH_DIR/hugo-$n zola_site=$BENCH_DIR/zola-$n
  gen_args=("$n" "$site")
  [ -z "${NO_HUGO:-}" ] && gen_args+=(--hugo "$hugo_site")
  [ -z "${NO_ZOLA:-}" ] && gen_args+=(--zola "$zola_site")
  "$GEN" "${gen_args[@]}" >/dev/null
  read -r dj_s dj_m < <(measure "$site/output" "$DJ" build --root "$site" --now "$NOW")
  hu_s=- hu_m=- zo_s=- zo_m=-
  [ -z "${NO_HUGO:-}" ] && read -r hu_s hu_m < <(cd "$hugo_site" && measure "$hugo_site/public" hugo --quiet --source "$hugo_site")
  [ -z "${NO_ZOLA:-}" ] && read -r zo_s zo_m < <(cd "$zola_site" && measure "$zola_site/public" "$ZOLA" build --output-dir "$zola_site/public" --force)
  ratio() { [ "$2" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
  printf '%9s  %10s %8s  %10s %8s  %10s %8s  %8s %8s  %s\n' "$n" "$dj_s" "$dj_m" "$hu_s" "$hu_m" "$zo_s" "$zo_m" \
    "$(ratio "$dj_s" "$hu_s")" "$(ratio "$dj_s" "$zo_s")" "$(change "$dj_s" "dangjian:$n")"
  FIG["dangjian:$n"]=$dj_s FIG["dangjian-mib:$n"]=$dj_m FIG["hugo:$n"]=$hu_s FIG["hugo-mib:$n"]=$hu_m
  FIG["zola:$n"]=$zo_s FIG["zola-mib:$n"]=$zo_m
  if [ -n "$REF_BIN" ]; then
    read -r ref_s ref_m < <(measure "$site/output-ref" "$REF_BIN" build --root "$site" --now "$NOW" --out "$site/output-ref")
    echo "           dangjian $REF: $ref_s s, $ref_m MiB (today ÷ $REF: $(ratio "$dj_s" "$ref_s"))"
    FIG["ref:$n"]=$ref_s
  fi
  # Where the time goes (one more build, with -v).
  rm -rf "$site/output"
  echo "  stages at $n items:"
  while IFS= read -r line; do
    name=${line%%：*} ms=${line#*：}; ms=${ms%% 毫秒}
    key="stage-${name// /}:$n"
    printf '    %-24s %9s ms   %s\n' "$name" "$ms" "$(change "$ms" "$key")"
    FIG["$key"]=$ms
  done < <("$DJ" build --root "$site" --now "$NOW" -v | grep '毫秒' | sed 's/^ *//')
done

# Rebuilds on the ordinary disk: into the previous output, unchanged and
# after one item changed, beside Hugo writing into its existing public/.
if [ -n "$DISK_DIR" ]; then
  n=${SIZES[-1]}
  mkdir -p "$DISK_DIR"
  DISK_DIR=$(realpath "$DISK_DIR")
  site=$DISK_DIR/dj-$n hugo_site=$DISK_DIR/hugo-$n
  "$GEN" "$n" "$site" --hugo "$hugo_site" >/dev/null
  "$DJ" build --root "$site" --now "$NOW" >/dev/null
  (cd "$hugo_site" && hugo --quiet --source "$hugo_site" >/dev/null)
  rebuild() { # median of RUNS rebuilds into the existing output
    local times=()
    for _ in $(seq "$RUNS"); do
      local tf; tf=$(mktemp)
      /usr/bin/time -o "$tf" -f "%e" "$@" >/dev/null 2>&1
      times+=("$(tail -n 1 "$tf")"); rm -f "$tf"
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  }
  first=$( { /usr/bin/time -f "%e" "$DJ" build --root "$site" --now "$NOW" --out "$site/fresh" >/dev/null; } 2>&1 | tail -n 1)
  rm -rf "$site/fresh" "$site"/.fresh.old-*
  same=$(rebuild "$DJ" build --root "$site" --now "$NOW")
  hugo_again=$(rebuild hugo --quiet --source "$hugo_site")
  one=$(ls "$site/content/news" | sed -n 1p)  # not head: SIGPIPE under pipefail
  printf '\n修改一段正文。\n' >> "$site/content/news/$one"
  t0=$(date +%s.%N)
  line=$("$DJ" build --root "$site" --now "$NOW")
  t1=$(date +%s.%N)
  changed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  written=$(echo "$line" | grep -o '（[0-9]* 个新增或有变化' | grep -o '[0-9]*' || echo all)
  echo
  echo "rebuilds on the disk ($DISK_DIR), $n items, median of $RUNS:"
  echo "  first build into a new folder:       $first s"
  echo "  rebuild, nothing changed:            $same s   (Hugo into its public/: $hugo_again s, ratio $(awk -v a="$same" -v b="$hugo_again" 'BEGIN { printf "%.3f", a / b }'))"
  echo "  rebuild after one item changed:      $changed s   ($written files written)"
  FIG["disk-first:$n"]=$first FIG["disk-same:$n"]=$same FIG["disk-hugo:$n"]=$hugo_again
  FIG["disk-one:$n"]=$changed FIG["disk-one-written:$n"]=$written
fi

if [ -n "${UPDATE:-}" ]; then
  {
    printf '# written by bench/run.sh on %s at %s (%s); key\tvalue (seconds, MiB or ms)\n' \
      "$(date -u +%Y-%m-%d)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "load $(cut -d' ' -f1-3 /proc/loadavg)"
    for k in "${!FIG[@]}"; do printf '%s\t%s\n' "$k" "${FIG[$k]}"; done | sort
  } > "$RESULTS"
  table=$(
    echo "| items | dangjian | peak | Hugo $(hugo version | cut -d' ' -f2 | cut -d+ -f1) | peak | Zola $("$ZOLA" --version 2>/dev/null | cut -d' ' -f2) | peak | dangjian ÷ Hugo | dangjian ÷ Zola |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in "${SIZES[@]}"; do
      r() { [ "${FIG[$2:$n]:-}" = - ] || [ -z "${FIG[$2:$n]:-}" ] && echo — || awk -v a="${FIG[$1:$n]}" -v b="${FIG[$2:$n]}" 'BEGIN { printf "%.2f", a / b }'; }
      u() { [ "${FIG[$1:$n]:-}" = - ] || [ -z "${FIG[$1:$n]:-}" ] && echo — || echo "${FIG[$1:$n]} $2"; }
      echo "| $(printf "%'d" "$n") | $(u dangjian s) | $(u dangjian-mib MiB) | $(u hugo s) | $(u hugo-mib MiB) | $(u zola s) | $(u zola-mib MiB) | $(r dangjian hugo) | $(r dangjian zola) |"
    done
  )
  python3 - "$table" <<'PY'
import re, sys
table = sys.argv[1]
text = open("README.md").read()
new = re.sub(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
open("README.md", "w").write(new)
PY
  echo "wrote $RESULTS and the README's table"
fi
