#!/usr/bin/env bash
# External feed checks (run by .ci/run; installs what it needs):
#  1. every feed of the demo site parses in Python's feedparser with bozo = 0,
#     and every JSON Feed is JSON Feed 1.1;
#  2. newsboat, a real feed reader, subscribed over a local HTTP server to
#     the site's feeds, lists the expected item titles.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! python3 -c "import feedparser" 2>/dev/null; then
  pip install --quiet --disable-pip-version-check feedparser
fi
if ! command -v newsboat >/dev/null; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq newsboat >/dev/null
fi

work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo run --quiet --release -- build --out "$work/site" --now 2026-11-21T12:00:00+08:00 >/dev/null

python3 - "$work/site" <<'PY'
import glob, json, os, sys
import feedparser
root = sys.argv[1]
checked = bad = 0
for path in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
    name = os.path.basename(path)
    if name in ("feed.xml", "atom.xml", "podcast.xml"):
        d = feedparser.parse(path)
        checked += 1
        if d.bozo:
            bad += 1
            print(f"feedparser: {path}: {d.bozo_exception}")
        elif name != "podcast.xml" and not d.entries and "/branches/" not in path:
            bad += 1
            print(f"feedparser: {path}: no entries")
    elif name == "feed.json":
        d = json.load(open(path, encoding="utf-8"))
        checked += 1
        if d.get("version") != "https://jsonfeed.org/version/1.1" or "items" not in d:
            bad += 1
            print(f"json feed: {path}: not JSON Feed 1.1")
print(f"feedparser: {checked} feeds checked, {bad} with errors")
sys.exit(1 if bad or checked == 0 else 0)
PY

# Serve the built site on loopback, then let newsboat fetch it.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/site" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/feed.xml')" 2>/dev/null && break
  sleep 0.1
done
base="http://127.0.0.1:$port"
printf '%s\n' "$base/feed.xml" "$base/notices/atom.xml" "$base/lessons/ershida/feed.xml" > "$work/urls"
: > "$work/config"
HOME="$work" newsboat -u "$work/urls" -c "$work/cache.db" -C "$work/config" -x reload >/dev/null 2>&1
python3 - "$work/cache.db" <<'PY'
import sqlite3, sys
titles = {row[0] for row in sqlite3.connect(sys.argv[1]).execute("select title from rss_item")}
expected = [
    "城关镇召开抓党建促乡村振兴推进会",          # site RSS
    "关于开展11月主题党日活动的通知",            # notices Atom
    "第一课：党的二十大报告的主题和主要内容",    # course RSS
]
missing = [t for t in expected if t not in titles]
print(f"newsboat: {len(titles)} items fetched over HTTP; missing: {missing or 'none'}")
sys.exit(1 if missing else 0)
PY
echo "feeds: all external checks passed"
