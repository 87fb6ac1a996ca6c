#!/usr/bin/env bash
# Benchmark: what 党务公开 data tables cost a build.
#
#   bash bench/data.sh [ITEMS] [ROWS]      (default: 1000 items, 50 rows each)
#
# Generates a site of ITEMS disclosures, each with a CSV of ROWS members
# (names and phones masked, a 合计 row, sorted by two columns, 公示期 in
# working days by the holiday calendar), and the same site with the `data:`
# lines taken out (the CSVs still lie beside the pages). Builds each RUNS
# times from a clean output folder and prints the median wall time and peak
# memory (/usr/bin/time). DJ=path/to/dangjian uses that binary instead of
# building one.
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS=${1:-1000}
ROWS=${2:-50}
RUNS=${RUNS:-3}
if [ -z "${BENCH_DIR:-}" ]; then
  if [ -w /dev/shm ]; then BENCH_DIR=/dev/shm/dangjian-bench-data; else BENCH_DIR=bench/work-data; fi
fi
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
fi
if [ -z "${DJ:-}" ]; then
  cargo build --release -q --bin dangjian
  DJ=${CARGO_TARGET_DIR:-$PWD/target}/release/dangjian
fi

gen() { # gen DIR WITH_DATA
  python3 - "$1" "$2" "$ITEMS" "$ROWS" <<'EOF'
import os, random, sys
root, with_data, items, rows = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4])
random.seed(17)
d = os.path.join(root, "content", "disclosure")
os.makedirs(d, exist_ok=True)
open(os.path.join(root, "site.yaml"), "w").write(
    "title: 数据表基准\nbase_url: https://example.org/\nfooter:\n  sponsor: 中共示范县委组织部\n  police: 京公网安备11010502030000号\n")
surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
given = "建国秀英伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰"
kinds = ["在职", "离退休", "农民", "流动党员"]
for i in range(items):
    name = f"q{i:05d}"
    lines = ["序号,姓名,党员类别,月交纳额（元）,本季度交纳（元）,交纳日期,联系电话"]
    for r in range(rows):
        monthly = random.choice([0.2, 12.5, 27.6, 45.0, 1024.8])
        lines.append(",".join([
            str(r + 1),
            random.choice(surnames) + "".join(random.sample(given, random.choice([1, 2]))),
            random.choice(kinds),
            f"{monthly:.2f}",
            f"\"{monthly * 3:,.2f}\"",
            f"2026-0{random.randint(7, 9)}-{random.randint(1, 28):02d}",
            f"13{random.randint(0, 9)}{random.randint(10000000, 99999999)}",
        ]))
    open(os.path.join(d, f"{name}.csv"), "w").write("\n".join(lines) + "\n")
    data = (f"data: {name}.csv\nmask: {{姓名: name, 联系电话: phone}}\n"
            "totals: [本季度交纳（元）]\nsort: [党员类别, 本季度交纳（元） 降序]\n") if with_data else ""
    start = f"2026-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    open(os.path.join(d, f"{name}.md"), "w").write(
        f"---\ntitle: 第{i}支部党费收缴公示\ndate: 2026-10-01 09:00\ncategory: 党费收缴\n"
        f"period:\n  start: {start}\n{data}---\n现将党费收缴情况公示如下。\n")
EOF
}

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

rm -rf "$BENCH_DIR"
gen "$BENCH_DIR/with" 1
gen "$BENCH_DIR/without" 0
echo "$ITEMS disclosures × $ROWS rows; $(nproc) cores; median of $RUNS runs"
printf '%-22s  %8s  %8s\n' site seconds MiB
for v in without with; do
  read -r s m < <(measure "$BENCH_DIR/$v/output" "$DJ" build --root "$BENCH_DIR/$v" --now 2026-11-21T12:00:00+08:00)
  printf '%-22s  %8s  %8s\n' "$v tables" "$s" "$m"
done
