#!/usr/bin/env python3
"""Feeds for bench/pull.sh: N branch feeds (RSS 2.0, Atom 1.0 and JSON Feed in
turn, 20 entries each) served from memory on 127.0.0.1 across several ports,
with ETag/Last-Modified and 304 answers to conditional requests. Writes the
sources: block of site.yaml to stdout's first lines, then serves until killed
(or for --seconds, 900 by default).

    python3 bench/pull_server.py N PORTS SOURCES_YAML
"""
import email.utils, http.server, json, sys, threading, time

N, PORTS, OUT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
LIFETIME = 900
MODIFIED = email.utils.formatdate(time.mktime((2026, 11, 20, 9, 0, 0, 0, 0, 0)), usegmt=True)
BODY = "，".join(["村党支部组织党员开展学习活动"] * 12)

def feed(i):
    host = f"v{i:04d}.example.org"
    entries = [(f"第{i}村党支部动态 第{k}条", f"https://{host}/news/{k}/", f"2026-11-{20 - k % 19:02d}T09:00:00+08:00") for k in range(1, 21)]
    kind = i % 3
    if kind == 0:
        items = "".join(f"<item><title>{t}</title><link>{l}</link><guid>{l}</guid><pubDate>{email.utils.format_datetime(__import__('datetime').datetime.fromisoformat(d))}</pubDate><description>&lt;p&gt;{BODY}&lt;/p&gt;</description><category>主题党日</category></item>" for t, l, d in entries)
        return "application/rss+xml; charset=utf-8", f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>第{i}村</title><link>https://{host}/</link>{items}</channel></rss>'
    if kind == 1:
        items = "".join(f'<entry><title>{t}</title><id>{l}</id><link href="{l}"/><updated>{d}</updated><summary>{BODY}</summary></entry>' for t, l, d in entries)
        return "application/atom+xml", f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>第{i}村</title><id>urn:v{i}</id><updated>2026-11-20T09:00:00+08:00</updated><link href="https://{host}/"/>{items}</feed>'
    items = [{"id": l, "url": l, "title": t, "date_published": d, "content_html": f"<p>{BODY}</p>"} for t, l, d in entries]
    return "application/feed+json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": f"第{i}村", "home_page_url": f"https://{host}/", "items": items}, ensure_ascii=False)

FEEDS = {}
for i in range(1, N + 1):
    ctype, body = feed(i)
    FEEDS[f"/f{i}"] = (ctype, body.encode("utf-8"), f'"v{i}"')

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        found = FEEDS.get(self.path)
        if found is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        ctype, body, etag = found
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304); self.send_header("ETag", etag); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", MODIFIED)
        self.end_headers()
        self.wfile.write(body)

servers = []
for _ in range(PORTS):
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.daemon_threads = True
    servers.append(s)
    threading.Thread(target=s.serve_forever, daemon=True).start()
with open(OUT, "w", encoding="utf-8") as f:
    f.write("sources:\n")
    for i in range(1, N + 1):
        port = servers[i % PORTS].server_address[1]
        f.write(f"  - id: v{i:04d}\n    url: http://127.0.0.1:{port}/f{i}\n    branch: v{i:04d}\n")
print("ready", flush=True)
time.sleep(LIFETIME)
