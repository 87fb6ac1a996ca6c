#!/usr/bin/env python3
"""Makes the demo site's pull cache (.dangjian-cache/sources/) with the real
`dangjian pull`, from the feed files beside this script.

The demo's site.yaml names sources on example.org hosts, which do not exist.
This script serves the files here on 127.0.0.1, pulls with a temporary copy of
site.yaml whose URLs point at that server, and stores the resulting cache
under the demo site with the URLs site.yaml names (the local server's
validators are dropped). Run it after changing the files here:

    python3 examples/demo-sources/make_cache.py [path/to/dangjian]
"""
import functools, http.server, json, pathlib, shutil, subprocess, sys, tempfile, threading

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# URL in site.yaml -> file here.
FILES = {
    "https://dongcun.example.org/feed.xml": "dongcun.xml",
    "https://xicun.example.org/atom.xml": "xicun.xml",
    "https://nancun.example.org/feed.xml": "nancun.xml",
    "https://shi.example.org/notices/feed.json": "shiwei.json",
}
NOW = "2026-11-21T08:00:00+08:00"

def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                             cwd=ROOT, check=True, capture_output=True, text=True)
        binary = str(pathlib.Path(json.loads(out.stdout)["target_directory"]) / "release" / "dangjian")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HERE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yaml = (ROOT / "site.yaml").read_text(encoding="utf-8")
            for url, name in FILES.items():
                assert url in yaml, url
                yaml = yaml.replace(url, base + name)
            (pathlib.Path(tmp) / "site.yaml").write_text(yaml, encoding="utf-8")
            subprocess.run([binary, "pull", "--root", tmp, "--now", NOW, "-v"], check=True)
            dest = ROOT / ".dangjian-cache" / "sources"
            dest.mkdir(parents=True, exist_ok=True)
            by_local = {base + name: url for url, name in FILES.items()}
            for f in sorted((pathlib.Path(tmp) / ".dangjian-cache" / "sources").glob("*.json")):
                data = json.loads(f.read_text(encoding="utf-8"))
                data["url"] = by_local[data["url"]]
                data["etag"] = None
                data["last_modified"] = None
                (dest / f.name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                print("wrote", (dest / f.name).relative_to(ROOT))
    finally:
        server.shutdown()

if __name__ == "__main__":
    main()
