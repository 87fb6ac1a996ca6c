//! `dangjian serve` driven like an editor would: a real server over
//! loopback, a real file watcher, edits on disk, and a client listening to
//! the reload events.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::{NOW, TestSite};

/// A running `dangjian serve` and its terminal output.
struct Server {
    child: Child,
    port: u16,
    log: Receiver<String>,
    lines: Vec<String>,
}

impl Server {
    fn start(site: &TestSite, args: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("dangjian"))
            .args(["serve", "--root"])
            .arg(site.root())
            .args(["--now", NOW])
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, log) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            port: 0,
            log,
            lines: Vec::new(),
        };
        let line = server.wait_log("预览地址");
        let port = line.rsplit(':').next().unwrap().trim_end_matches('/');
        server.port = port.parse().unwrap();
        server
    }

    /// Waits for a terminal line containing `text`.
    fn wait_log(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        if let Some(l) = self.lines.iter().find(|l| l.contains(text)) {
            return l.clone();
        }
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(100)) {
                self.lines.push(line.clone());
                if line.contains(text) {
                    return line;
                }
            }
        }
        panic!("no “{text}” in the output:\n{}", self.lines.join("\n"));
    }

    /// Sends a raw request; returns (status, headers, body).
    fn request(&self, method: &str, path: &str) -> (u16, String, String) {
        self.request_as("127.0.0.1", method, path)
    }

    /// Sends a raw request with this `Host`; returns (status, headers, body).
    fn request_as(&self, host: &str, method: &str, path: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.request("GET", path);
        (status, body)
    }

    /// Connects to the reload events; the first one says the current state.
    fn events(&self) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        write!(
            s,
            "GET /__dangjian/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        Events(BufReader::new(s))
    }

    /// Ctrl-C; returns whether the server exited successfully in time.
    fn interrupt(mut self) -> bool {
        // The shell's own `kill`: no procps needed on a bare machine.
        Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events(BufReader<TcpStream>);

impl Events {
    /// The next event's JSON data.
    fn next(&mut self) -> serde_json::Value {
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "no event in time");
            line.clear();
            let n = self.0.read_line(&mut line).expect("an event in time");
            assert!(n > 0, "the event stream closed");
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                return serde_json::from_str(data).unwrap();
            }
        }
    }

    /// Skips events until one of type `kind`.
    fn until(&mut self, kind: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "no {kind} event in time");
            let e = self.next();
            if e["type"] == kind {
                return e;
            }
        }
    }
}

fn urls(event: &serde_json::Value, field: &str) -> Vec<String> {
    event[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn serves_the_preview_with_banners_and_the_reload_script() {
    let site = TestSite::basic();
    let server = Server::start(&site, &[]);
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(home.contains("/__dangjian/live.js"), "{home}");
    assert!(home.contains("本地预览"));
    let (status, js) = server.get("/__dangjian/live.js");
    assert_eq!(status, 200);
    assert!(js.contains("EventSource"));
    let (_, draft) = server.get("/notices/draft-item-slug/");
    assert!(draft.contains("preview-banner") && draft.contains("<strong>草稿</strong>"));
    let (_, future) = server.get("/news/future-item-slug/");
    assert!(future.contains("<strong>未到发布时间</strong>"), "{future}");
    let (_, party) = server.get("/notices/party-item-slug/");
    assert!(party.contains("<strong>党内</strong>"));
    let (_, public) = server.get("/news/first/");
    assert!(!public.contains("preview-banner"));
    // The same site built: no banners, no script, no gated items.
    site.build_ok();
    for (path, bytes) in TestSite::tree(&site.out()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("__dangjian"), "{path}");
        if path.ends_with(".html") {
            assert!(!text.contains("preview-banner"), "{path}");
        }
    }
    assert!(server.interrupt(), "Ctrl-C stops the server cleanly");
}

#[test]
fn serves_only_site_files_over_get_and_head() {
    let site = TestSite::basic();
    let server = Server::start(&site, &[]);
    for bad in [
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/%2E%2E%2Fsite.yaml",
        "/news/..%2F..%2Fsite.yaml",
        "/%252e%252e/site.yaml",
        "/..%5Csite.yaml",
        "/content/news/first.md",
        "/site.yaml",
    ] {
        let (status, body) = server.get(bad);
        assert_eq!(status, 404, "{bad}");
        assert!(!body.contains("title: 测试党建网"), "{bad}");
    }
    let (status, head, body) = server.request("HEAD", "/style.css");
    assert_eq!(status, 200);
    assert!(head.to_lowercase().contains("content-type: text/css"));
    assert!(body.is_empty());
    for method in ["POST", "PUT", "DELETE"] {
        let (status, head, _) = server.request(method, "/");
        assert_eq!(status, 405, "{method}");
        assert!(head.to_lowercase().contains("allow: get, head"));
    }
    let (status, head, _) = server.request("GET", "/news");
    assert_eq!(status, 301);
    assert!(head.contains("/news/"));
}

#[test]
fn edits_reach_the_browser_and_errors_show_until_fixed() {
    let site = TestSite::basic();
    let mut server = Server::start(&site, &[]);
    let mut events = server.events();
    assert_eq!(events.next()["type"], "ok");

    // A body edit: the page changes, the event names it.
    let rel = "content/news/second.md";
    let text = std::fs::read_to_string(site.root().join(rel)).unwrap();
    site.write(rel, &format!("{text}\n\nLIVE-EDIT-MARKER\n"));
    let e = events.until("update");
    assert!(
        urls(&e, "changed").contains(&"/news/second/".to_string()),
        "{e}"
    );
    assert_eq!(e["follow"], "/news/second/");
    assert!(server.get("/news/second/").1.contains("LIVE-EDIT-MARKER"));

    // Broken front matter: an error event in Chinese with file and line;
    // the last good page is still served.
    site.write(rel, &text.replacen("title:", "title: [未闭合", 1));
    let e = events.until("error");
    let html = e["html"].as_str().unwrap();
    assert!(
        html.contains("content/news/second.md") && html.contains("第 3 行"),
        "{html}"
    );
    server.wait_log("预览继续显示上一次成功生成的版本");
    assert!(server.get("/news/second/").1.contains("LIVE-EDIT-MARKER"));
    // A client connecting now learns of the error at once.
    assert_eq!(server.events().next()["type"], "error");

    // Fixed: an update clears the overlay.
    site.write(rel, &text);
    let e = events.until("update");
    assert!(urls(&e, "changed").contains(&"/news/second/".to_string()));
    assert!(!server.get("/news/second/").1.contains("LIVE-EDIT-MARKER"));

    // A stylesheet alone: swapped without a reload.
    site.write("static/extra.css", "body { color: #000; }\n");
    let e = events.until("update");
    assert_eq!(e["css_only"], true, "{e}");
    assert_eq!(urls(&e, "changed"), vec!["/extra.css".to_string()]);

    // A template change re-renders the pages that use it.
    let builtin = include_str!("../../themes/default/templates/news.html");
    site.write(
        "themes/default/templates/news.html",
        &builtin.replace("{% block content %}", "{% block content %}TEMPLATE-MARKER"),
    );
    let e = events.until("update");
    assert!(urls(&e, "changed").contains(&"/news/first/".to_string()));
    assert!(server.get("/news/first/").1.contains("TEMPLATE-MARKER"));
    assert!(
        !server
            .get("/notices/meeting/")
            .1
            .contains("TEMPLATE-MARKER")
    );

    // A template error: file and line in the overlay.
    site.write("themes/default/templates/news.html", "{% if %}\n");
    let e = events.until("error");
    assert!(e["html"].as_str().unwrap().contains("news.html"), "{e}");
    site.remove("themes/default/templates/news.html");
    events.until("update");
}

#[test]
fn creations_deletions_renames_and_bundles() {
    let site = TestSite::basic();
    let server = Server::start(&site, &[]);
    let mut events = server.events();
    events.next();

    site.write(
        "content/news/fresh.md",
        "---\ntitle: 新建的动态 FRESH-MARKER\ndate: 2026-11-20 08:00\n---\n正文。\n",
    );
    let e = events.until("update");
    assert!(
        urls(&e, "changed").contains(&"/news/fresh/".to_string()),
        "{e}"
    );
    assert!(server.get("/news/").1.contains("FRESH-MARKER"));

    std::fs::rename(
        site.root().join("content/news/fresh.md"),
        site.root().join("content/news/moved.md"),
    )
    .unwrap();
    let e = events.until("update");
    assert!(
        urls(&e, "removed").contains(&"/news/fresh/".to_string()),
        "{e}"
    );
    assert_eq!(server.get("/news/fresh/").0, 404);
    assert_eq!(server.get("/news/moved/").0, 200);

    // A bundle folder renamed, then deleted with its image.
    let bundle = site.root().join("content/news/bundle-visit");
    std::fs::rename(&bundle, site.root().join("content/news/visit2")).unwrap();
    events.until("update");
    assert_eq!(server.get("/news/visit2/photo-640.png").0, 200);
    assert_eq!(server.get("/news/bundle-visit/photo-640.png").0, 404);
    std::fs::remove_dir_all(site.root().join("content/news/visit2")).unwrap();
    let e = events.until("update");
    assert!(urls(&e, "removed").contains(&"/news/visit2/photo-640.png".to_string()));

    site.remove("content/news/moved.md");
    let e = events.until("update");
    assert!(urls(&e, "removed").contains(&"/news/moved/".to_string()));
}

#[test]
fn never_crashes_on_what_editors_do() {
    let site = TestSite::basic();
    let server = Server::start(&site, &[]);
    let mut events = server.events();
    events.next();
    let rel = "content/news/third.md";
    let path = site.root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();

    // Rapid successive saves: the last one wins.
    for i in 0..20 {
        std::fs::write(&path, format!("{text}\n\nRAPID-{i}\n")).unwrap();
    }
    // An editor's write-to-temporary-then-rename.
    let tmp = site.root().join("content/news/.third.md.swp");
    std::fs::write(&tmp, format!("{text}\n\nRENAMED-SAVE\n")).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.get("/news/third/").1.contains("RENAMED-SAVE") {
        assert!(Instant::now() < deadline, "the renamed save never appeared");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Half-saved file, invalid UTF-8, no front matter: errors, not crashes.
    std::fs::write(&path, &text.as_bytes()[..20]).unwrap();
    events.until("error");
    std::fs::write(&path, b"---\ntitle: \xff\xfe\n---\n").unwrap();
    // Under load the half-saved file may be reported more than once first.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let e = events.until("error");
        if e["html"].as_str().unwrap().contains("UTF-8") {
            break;
        }
        assert!(Instant::now() < deadline, "no UTF-8 error: {e}");
    }
    std::fs::write(&path, "只有正文，没有前置信息。\n").unwrap();
    events.until("error");
    std::fs::write(&path, &text).unwrap();
    events.until("update");

    // A deleted folder (a whole course, which other pages link to): the
    // broken links are reported, the preview stays up.
    std::fs::remove_dir_all(site.root().join("content/lessons")).unwrap();
    let e = events.next();
    assert!(e["type"] == "update" || e["type"] == "error", "{e}");
    assert_eq!(server.get("/").0, 200);
    assert!(server.interrupt());
}

#[test]
fn takes_the_next_free_port_and_warns_when_open_to_the_network() {
    let site = TestSite::basic();
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut server = Server::start(&site, &["--port", &port.to_string()]);
    assert_ne!(server.port, port);
    server.wait_log("已被占用");
    assert_eq!(server.get("/").0, 200);
    drop(server);

    let mut lan = Server::start(&site, &["--bind", "0.0.0.0", "--port", "0"]);
    lan.wait_log("预览已对局域网开放");
}

// Issue 19, 10: after a good build, a copied file swapped for a symbolic
// link to /etc/passwd was served from the "last good version".
#[cfg(unix)]
#[test]
fn i19_10_a_file_swapped_for_a_link_is_not_served() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "OUTSIDE-SECRET-MARKER").unwrap();
    let site = TestSite::basic();
    site.write("content/news/bundle-visit/notes.txt", "走访记录");
    let server = Server::start(&site, &[]);
    let (status, body) = server.get("/news/bundle-visit/notes.txt");
    assert_eq!(status, 200);
    assert!(!body.contains("OUTSIDE-SECRET-MARKER"));
    let photo = site.root().join("content/news/bundle-visit/notes.txt");
    std::fs::remove_file(&photo).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), &photo).unwrap();
    // Whether or not a rebuild already ran, the link's target is never sent.
    for _ in 0..10 {
        let (_, body) = server.get("/news/bundle-visit/notes.txt");
        assert!(!body.contains("OUTSIDE-SECRET-MARKER"));
        std::thread::sleep(Duration::from_millis(50));
    }
}

// Issue 19, 10: the preview answered any Host (DNS rebinding could read
// drafts and 党内 items from an editor's browser).
#[test]
fn i19_10_only_local_host_names_are_answered() {
    let site = TestSite::basic();
    let server = Server::start(&site, &[]);
    let port = server.port;
    for host in ["evil.example", &format!("evil.example:{port}")] {
        let (status, _, body) = server.request_as(host, "GET", "/notices/");
        assert_eq!(status, 403, "{host}");
        assert!(!body.contains("DRAFT-TITLE-MARKER"));
    }
    for host in [
        "localhost",
        &format!("127.0.0.1:{port}"),
        &format!("localhost:{port}"),
    ] {
        assert_eq!(server.request_as(host, "GET", "/").0, 200, "{host}");
    }
}

// Issue 19, 18: `--port 65535` said "no port" though it was free; `--port
// 0` said "端口 0 已被占用" instead of taking any free port.
#[test]
fn i19_18_port_0_and_the_last_port() {
    let site = TestSite::basic();
    let mut server = Server::start(&site, &["--port", "0"]);
    assert_ne!(server.port, 0);
    assert_eq!(server.get("/").0, 200);
    assert!(!server.lines.iter().any(|l| l.contains("已被占用")));
    let _ = server.wait_log("草稿");
    drop(server);
    if TcpListener::bind(("127.0.0.1", 65535)).is_ok() {
        let server = Server::start(&site, &["--port", "65535"]);
        assert_eq!(server.port, 65535);
    }
}

/// Cache files of processed images, with their modification times.
fn image_cache(site: &TestSite) -> std::collections::BTreeMap<String, std::time::SystemTime> {
    walkdir::WalkDir::new(site.root().join(".dangjian-cache/images"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != "sources.tsv")
        .map(|e| {
            let t = e.metadata().unwrap().modified().unwrap();
            (e.path().display().to_string(), t)
        })
        .collect()
}

#[test]
fn a_new_photo_shows_up_without_encoding_the_others_again() {
    let site = TestSite::basic();
    site.build_ok();
    let before = image_cache(&site);
    assert_eq!(before.len(), 2, "photo.png: 480 and 640 wide");
    let server = Server::start(&site, &[]);
    let mut events = server.events();
    events.next();
    assert_eq!(server.get("/news/bundle-visit/photo-480.png").0, 200);
    site.write_bytes(
        "content/news/bundle-visit/new.png",
        &crate::support::png(500, 300),
    )
    .write(
        "content/news/bundle-visit/index.md",
        "---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\ncover: photo.png\ncover_alt: 走访照片\n---\n![新照片](new.png)\n",
    );
    let e = events.until("update");
    assert!(
        urls(&e, "changed").contains(&"/news/bundle-visit/new-500.png".to_string()),
        "{e}"
    );
    let page = server.get("/news/bundle-visit/").1;
    assert!(page.contains("new-500.png 500w"), "{page}");
    let after = image_cache(&site);
    assert_eq!(after.len(), 4, "{after:?}");
    for (path, time) in &before {
        assert_eq!(after.get(path), Some(time), "{path} was made again");
    }
}
