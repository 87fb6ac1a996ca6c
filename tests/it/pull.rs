//! `dangjian pull` against ~50 real feeds served over loopback (valid RSS,
//! Atom and JSON Feed; a 500, a hang, malformed XML, GBK, an oversized
//! feed, 304s, a 429 with Retry-After, a refused connection), then builds
//! that read only the cache.

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::feedserver::{FeedServer, Reply, cached};
use crate::support::{NOW, TestSite};

/// `dangjian <cmd> --root <site> <args>`, with no proxy from the environment.
fn dj(site: &TestSite, cmd: &str, args: &[&str]) -> Output {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("dangjian"));
    c.args([cmd, "--root"]).arg(site.root()).args(args);
    for v in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        c.env_remove(v);
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An organization of 50 villages (v01…v50) in five towns, plus the
/// fixture's own `town`/`village`.
fn org() -> String {
    let mut s = String::from(
        "organization:\n  id: county\n  name: 测试县委\n  children:\n    - id: town\n      name: 测试镇党委\n      children:\n        - id: village\n          name: 测试村党支部\n",
    );
    for t in 1..=5 {
        s.push_str(&format!(
            "    - id: t{t}\n      name: 第{t}镇党委\n      children:\n"
        ));
        for v in (t - 1) * 10 + 1..=t * 10 {
            s.push_str(&format!(
                "        - id: v{v:02}\n          name: 第{v}村党支部\n"
            ));
        }
    }
    s
}

fn site_yaml(sources: &str, pull: &str) -> String {
    format!(
        "title: 测试党建网\nbase_url: https://example.org/\npagination: 20\ndisclosure:\n  contact: 测试县委组织部 0000-1234567\n{}sources:\n{sources}pull:\n{pull}",
        org()
    )
}

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

/// A feed with three entries titled `<marker> 第N条`, dated 18–20 November.
fn feed(format: Format, marker: &str, host: &str, extra: &str) -> String {
    let entries: Vec<(String, String, String)> = (1..=3)
        .map(|k| {
            (
                format!("{marker} 第{k}条"),
                format!("https://{host}/news/{}-{k}/", marker.to_lowercase()),
                format!("2026-11-{}T09:00:00+08:00", 17 + k),
            )
        })
        .collect();
    match format {
        Format::Rss => {
            let items: String = entries
                .iter()
                .map(|(t, l, d)| {
                    let d = chrono::DateTime::parse_from_rfc3339(d).unwrap().to_rfc2822();
                    format!("<item><title>{t}</title><link>{l}</link><guid>{l}</guid><pubDate>{d}</pubDate><description>{marker} 摘要{}</description></item>", escape(extra))
                })
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{marker}</title><link>https://{host}/</link>{items}</channel></rss>"
            )
        }
        Format::Atom => {
            let items: String = entries
                .iter()
                .map(|(t, l, d)| format!("<entry><title>{t}</title><id>{l}</id><link href=\"{l}\"/><updated>{d}</updated><summary>{marker} 摘要</summary><content type=\"html\">&lt;p&gt;{marker} 正文&lt;/p&gt;{}</content></entry>", escape(extra)))
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{marker}</title><id>urn:{marker}</id><updated>2026-11-20T09:00:00+08:00</updated><link href=\"https://{host}/\"/>{items}</feed>"
            )
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = entries
                .iter()
                .map(|(t, l, d)| serde_json::json!({"id": l, "url": l, "title": t, "date_published": d, "content_html": format!("<p>{marker} 正文{extra}</p>")}))
                .collect();
            serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": marker, "home_page_url": format!("https://{host}/"), "items": items}).to_string()
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";

/// The county site with 50 sources on `server` (one on a closed port).
fn county(server: &FeedServer, closed: u16) -> TestSite {
    let mut sources = String::new();
    let mut add = |i: usize, extra: &str| {
        let url = if i == 50 {
            format!("http://127.0.0.1:{closed}/f50")
        } else {
            server.url(&format!("/f{i}"))
        };
        let target = if i == 48 {
            "upstream: true\n    name: 市委组织部".to_string()
        } else {
            format!("branch: v{i:02}")
        };
        sources.push_str(&format!(
            "  - id: s{i:02}\n    url: {url}\n    {target}\n{extra}"
        ));
    };
    for i in 1..=50 {
        add(i, if i == 40 { "    full_text: true\n" } else { "" });
    }
    for i in 1..=40 {
        let marker = format!("V{i:02}");
        let host = format!("v{i:02}.example.org");
        let (format, ty) = match i % 3 {
            0 => (Format::Rss, RSS_TYPE),
            1 => (Format::Atom, "application/atom+xml"),
            _ => (Format::Json, "application/feed+json"),
        };
        let extra = if i == 40 {
            "<script>alert('PULLED-SCRIPT')</script><img src=\"/PULLED-IMG.png\">"
        } else {
            ""
        };
        let body = feed(format, &marker, &host, extra);
        // Source 7 has no ETag: its second pull must send If-Modified-Since.
        let etag = (i != 7).then(|| &*Box::leak(format!("\"e{i}\"").into_boxed_str()));
        server.route(
            &format!("/f{i}"),
            cached(ty, body, etag, "Fri, 20 Nov 2026 01:00:00 GMT"),
        );
    }
    server.route("/f41", |_, _| Reply::status(500));
    server.route("/f42", |_, _| Reply::Hang);
    server.route("/f43", |_, _| {
        Reply::ok(
            RSS_TYPE,
            "<rss version=\"2.0\"><channel><title>坏的</title><item><title>",
        )
    });
    let gbk = feed(Format::Rss, "V44-甘肃-GBK", "v44.example.org", "").replace("UTF-8", "GBK");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk);
    let gbk = gbk.into_owned();
    server.route("/f44", move |_, _| Reply::ok("text/xml", gbk.clone()));
    let huge = feed(
        Format::Rss,
        "V45-HUGE",
        "v45.example.org",
        &"很长".repeat(40_000),
    );
    server.route("/f45", move |_, _| Reply::ok(RSS_TYPE, huge.clone()));
    let v46 = feed(Format::Atom, "V46-AFTER-429", "v46.example.org", "");
    server.route("/f46", move |_, n| match n {
        1 => Reply::status(429).header("Retry-After", "1"),
        _ => Reply::ok("application/atom+xml", v46.clone()),
    });
    let v47 = feed(Format::Rss, "V47-KEPT", "v47.example.org", "");
    server.route("/f47", move |_, n| match n {
        1 => Reply::ok(RSS_TYPE, v47.clone()),
        _ => Reply::status(500),
    });
    let up = feed(Format::Json, "UPSTREAM-NOTICE", "city.example.org", "");
    server.route("/f48", move |_, _| {
        Reply::ok("application/feed+json", up.clone())
    });
    server.route("/f49", |_, _| Reply::status(404));
    let site = TestSite::basic();
    // Beside the fixture's draft, future and party items: a unit item and a
    // withdrawn 公示, none of which may reach any page (pulled blocks included).
    site.write(
        "content/notices/unit-only.md",
        "---\ntitle: 本单位 PULL-UNIT-MARKER\ndate: 2026-11-01\nscope: unit\n---\n",
    );
    site.write(
        "content/disclosure/pull-wd.md",
        "---\ntitle: 发展党员公示\ndate: 2026-11-01\ncategory: membership\nafter_period: withdraw\nperiod:\n  start: 2026-11-01\n  end: 2026-11-05\npersons:\n  - name: NAME-PULL-WD\n    gender: 男\n---\nBODY-PULL-WD\n",
    );
    site.write(
        "site.yaml",
        &site_yaml(
            &sources,
            "  timeout_seconds: 1\n  retries: 1\n  max_kb: 64\n  per_host: 8\n",
        ),
    );
    site
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Every built page's text, for "appears somewhere" checks.
fn all_pages(site: &TestSite) -> String {
    TestSite::tree(&site.out())
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(_, b)| text(&b))
        .collect()
}

#[test]
fn pulls_fifty_feeds_survives_bad_ones_and_builds_offline() {
    let server = FeedServer::start();
    let closed = closed_port();
    let site = county(&server, closed);

    // First pull: every good source, every bad one reported, within budget.
    let clock = Instant::now();
    let out = dj(&site, "pull", &["-v"]);
    let took = clock.elapsed();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Worst case per source: 2 tries × 1 s timeout + backoff (≤ 0.625 s).
    assert!(took < Duration::from_secs(6), "pull took {took:?}");
    assert!(
        stdout.contains("拉取完成：50 个来源，更新 44 个，未变化 0 个，失败 6 个"),
        "{stdout}"
    );
    for (id, why) in [
        ("s41", "HTTP 500"),
        ("s42", "请求超时"),
        ("s43", "无法解析"),
        ("s45", "大小上限 64 KB"),
        ("s49", "HTTP 404"),
        ("s50", "无法连接"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("拉取失败 {id}")))
            .unwrap_or_else(|| panic!("{id} not reported:\n{stderr}"));
        assert!(line.contains(why), "{line}");
    }
    assert!(stdout.contains("已更新 s44：3 条（GBK 编码）"), "{stdout}");
    // Retries: the 500 was tried twice, 404 once; Retry-After was waited for.
    assert_eq!(server.seen("/f41").len(), 2);
    assert_eq!(server.seen("/f49").len(), 1);
    let s46 = server.seen("/f46");
    assert_eq!(s46.len(), 2);
    assert!(s46[1].at - s46[0].at >= Duration::from_millis(950));

    let build = |site: &TestSite| {
        let o = dj(site, "build", &["--now", NOW]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let summary = build(&site);
    assert!(
        summary.contains("上下联动：50 个来源，显示基层动态 129 条、上级通知 3 条"),
        "{summary}"
    );
    let pages = all_pages(&site);
    for i in (1..=40).chain([44, 46, 47]) {
        let marker = if i == 44 {
            "V44-甘肃-GBK".to_string()
        } else {
            format!("V{i:02}")
        };
        assert!(pages.contains(&marker), "{marker} missing");
    }
    assert!(!pages.contains("V45-HUGE"), "oversized feed is not shown");
    for (path, bytes) in TestSite::tree(&site.out()) {
        let t = text(&bytes);
        for m in [
            "DRAFT-TITLE-MARKER",
            "FUTURE-TITLE-MARKER",
            "PARTY-TITLE-MARKER",
            "PULL-UNIT-MARKER",
            "NAME-PULL-WD",
            "BODY-PULL-WD",
        ] {
            assert!(
                !t.contains(m) && !path.contains(m),
                "{m} leaked into {path}"
            );
        }
    }
    // The listing, a branch page (with its own site's link) and the home page.
    let jiceng = site.read("jiceng/index.html");
    assert!(jiceng.contains("<h1>基层动态</h1>") && site.exists("jiceng/page/7/index.html"));
    assert!(pages.contains(r#"href="https://v46.example.org/news/v46-after-429-3/""#));
    let v07 = site.read("branches/v07/index.html");
    assert!(
        v07.contains("V07 第3条")
            && v07.contains(r#"<a href="https://v07.example.org/" rel="noopener">第7村党支部</a>"#),
        "{v07}"
    );
    assert!(
        site.read("branches/t1/index.html").contains("V10 第3条"),
        "a town shows its villages'"
    );
    let home = site.read("index.html");
    assert!(home.contains("上级通知") && home.contains("UPSTREAM-NOTICE 第3条"));
    assert!(
        site.read("notices/index.html")
            .contains("UPSTREAM-NOTICE 第1条")
    );
    assert!(home.contains(r#"<a href="/jiceng/">基层动态</a>"#));
    assert_eq!(
        home.matches(r#"<li><a href="/jiceng/">基层动态</a></li>"#)
            .count(),
        1,
        "基层动态 once in the main navigation"
    );
    // Full text only where allowed, sanitized, without outside pictures.
    let v40 = site.read("branches/v40/index.html");
    assert!(
        v40.contains("展开全文")
            && !pages.contains("PULLED-SCRIPT")
            && !pages.contains("PULLED-IMG")
    );
    assert!(!site.read("branches/v39/index.html").contains("展开全文"));
    let first = TestSite::tree(&site.out());

    // Second pull: conditional requests, 304s, and a failure that keeps its copy.
    let out = dj(&site, "pull", &["-v"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("更新 3 个，未变化 40 个，失败 7 个"),
        "{stdout}\n{stderr}"
    );
    for i in (1..=40).filter(|i| *i != 7) {
        let seen = server.seen(&format!("/f{i}"));
        assert_eq!(
            seen[1].header("if-none-match"),
            Some(&*format!("\"e{i}\"")),
            "f{i}"
        );
    }
    let f7 = server.seen("/f7");
    assert_eq!(
        f7[1].header("if-modified-since"),
        Some("Fri, 20 Nov 2026 01:00:00 GMT")
    );
    assert!(f7[0].header("if-modified-since").is_none());
    assert!(
        stderr.contains("拉取失败 s47") && stderr.contains("的 3 条"),
        "{stderr}"
    );
    build(&site);
    assert_eq!(TestSite::tree(&site.out()), first, "same cache, same site");

    // No network during a build: the server gone, every URL on a closed port.
    drop(server);
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let re = yaml
        .lines()
        .map(
            |l| match l.trim_start().strip_prefix("url: http://127.0.0.1:") {
                Some(rest) => format!(
                    "    url: http://127.0.0.1:{closed}/{}",
                    rest.split_once('/').unwrap().1
                ),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    site.write("site.yaml", &re);
    build(&site);
    assert_eq!(
        TestSite::tree(&site.out()),
        first,
        "the build read only the cache"
    );

    // check names every failing source, in site.yaml, as a warning.
    let out = dj(&site, "check", &["--now", NOW]);
    let stderr = text(&out.stderr);
    assert!(
        out.status.success(),
        "warnings do not fail check:\n{stderr}"
    );
    for id in ["s41", "s42", "s43", "s45", "s47", "s49", "s50"] {
        assert!(
            stderr.contains(&format!("字段 “sources.{id}”：来源 “{id}” 上次拉取失败")),
            "{id}:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("上次成功拉取是"),
        "s47's last success is named"
    );
    assert!(text(&out.stdout).contains("来源 s01（基层动态 · v01）：正常，3 条"));
}

#[test]
fn a_killed_pull_leaves_every_cache_file_whole() {
    let server = FeedServer::start();
    let mut sources = String::new();
    for i in 1..=30 {
        let body = feed(Format::Rss, &format!("K{i:02}"), "k.example.org", "");
        // Half the feeds answer at once, half hang until the pull is killed.
        server.route(&format!("/k{i}"), move |_, _| {
            if i % 2 == 0 {
                Reply::Hang
            } else {
                Reply::ok(RSS_TYPE, body.clone())
            }
        });
        sources.push_str(&format!(
            "  - id: k{i:02}\n    url: {}\n    branch: v{i:02}\n",
            server.url(&format!("/k{i}"))
        ));
    }
    let site = TestSite::basic();
    site.write(
        "site.yaml",
        &site_yaml(
            &sources,
            "  timeout_seconds: 30\n  per_host: 32\n  concurrency: 32\n",
        ),
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("dangjian"))
        .args(["pull", "--root"])
        .arg(site.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dir = site.root().join(".dangjian-cache/sources");
    let count = || {
        std::fs::read_dir(&dir).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while count() < 15 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(), 15, "the answered half is cached");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            assert_eq!(v["entries"].as_array().unwrap().len(), 3, "{}", p.display());
        }
    }
    let o = dj(&site, "build", &["--now", NOW]);
    assert!(
        text(&o.stdout).contains("15 个来源尚未拉取"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn pulled_entries_never_bypass_the_pii_guard_or_the_clock() {
    let server = FeedServer::start();
    let items = [
        (
            "PII-MOBILE-ENTRY",
            "联系电话 13812345678",
            "2026-11-20T09:00:00+08:00",
        ),
        (
            "13912345678 的表彰",
            "标题里有号码",
            "2026-11-20T08:00:00+08:00",
        ),
        (
            "PII-MASKED-ENTRY",
            "联系电话 138****5678",
            "2026-11-19T09:00:00+08:00",
        ),
        (
            "PULLED-FUTURE-MARKER",
            "明天才发布",
            "2026-11-22T09:00:00+08:00",
        ),
    ];
    let entries: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(i, (t, s, d))| serde_json::json!({"id": i.to_string(), "url": format!("https://p.example.org/{i}/"), "title": t, "summary": s, "date_published": d}))
        .collect();
    let body = serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "P", "items": entries}).to_string();
    server.route("/p.json", move |_, _| {
        Reply::ok("application/feed+json", body.clone())
    });
    let site = TestSite::basic();
    site.write(
        "site.yaml",
        &site_yaml(
            &format!(
                "  - id: pii-site\n    url: {}\n    branch: v01\n",
                server.url("/p.json")
            ),
            "  retries: 0\n",
        ),
    );
    assert!(dj(&site, "pull", &[]).status.success());
    let out = dj(&site, "build", &["--now", NOW]);
    assert!(
        out.status.success(),
        "one bad entry does not stop the county's site"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("来源 “pii-site” 的条目 “PII-MOBILE-ENTRY”（https://p.example.org/0/）的摘要中有未打码的手机号码"), "{stderr}");
    assert!(
        stderr.contains("条目 https://p.example.org/1/ 的标题中有未打码的手机号码"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("13912345678") && stderr.contains("139****5678"),
        "the number itself is not repeated"
    );
    let pages = TestSite::tree(&site.out());
    for (path, bytes) in &pages {
        let t = text(bytes);
        for m in [
            "13812345678",
            "13912345678",
            "PII-MOBILE-ENTRY",
            "PULLED-FUTURE-MARKER",
        ] {
            assert!(!t.contains(m), "{m} in {path}");
        }
    }
    assert!(
        site.read("branches/v01/index.html")
            .contains("PII-MASKED-ENTRY")
    );
    // check (which looks at everything) still reports what a public build holds back.
    let out = dj(&site, "check", &["--now", NOW]);
    assert!(text(&out.stderr).contains("PII-MOBILE-ENTRY"));
    // A later instant publishes the entry dated after NOW.
    let out = dj(&site, "build", &["--now", "2026-11-23"]);
    assert!(out.status.success());
    assert!(
        site.read("jiceng/index.html")
            .contains("PULLED-FUTURE-MARKER")
    );
}

#[test]
fn branch_sites_carry_the_countys_notices_as_upstream() {
    // The county: its public build, served as files.
    let county = TestSite::basic();
    let yaml = std::fs::read_to_string(county.root().join("site.yaml")).unwrap();
    county.write(
        "site.yaml",
        &yaml.replace("https://example.org/", "https://county.example.org/"),
    );
    county.write(
        "content/notices/county-call.md",
        "---\ntitle: COUNTY-NOTICE-MARKER 关于开展冬训的通知\ndate: 2026-11-20 10:00\n---\n各党支部：请按要求开展冬训。\n",
    );
    county.build_ok();
    let files: BTreeMap<String, Vec<u8>> = TestSite::tree(&county.out());
    let server = FeedServer::start();
    let feed = files["notices/feed.json"].clone();
    server.route("/notices/feed.json", move |_, _| {
        Reply::ok("application/feed+json", feed.clone())
    });
    // The branch site: the same fixture, with the county as its upstream.
    let branch = TestSite::basic();
    let yaml = std::fs::read_to_string(branch.root().join("site.yaml")).unwrap();
    branch.write(
        "site.yaml",
        &format!("{yaml}sources:\n  - id: county\n    url: {}\n    upstream: true\n    kinds: [notice]\n", server.url("/notices/feed.json")),
    );
    assert!(dj(&branch, "pull", &[]).status.success());
    branch.build_ok();
    let link = r#"href="https://county.example.org/notices/county-call/""#;
    for page in ["index.html", "notices/index.html"] {
        let html = branch.read(page);
        let block = html
            .split("<h2>上级通知</h2>")
            .nth(1)
            .unwrap_or_else(|| panic!("{page}"));
        assert!(
            block.contains("COUNTY-NOTICE-MARKER") && block.contains(link),
            "{page}"
        );
        assert!(block.contains(r#"<span class="badge upstream">上级通知</span>"#));
    }
    assert!(
        !branch.exists("jiceng/index.html"),
        "no branch sources, no 基层动态 listing"
    );
    // The county's feed is its public output: its party notice never arrives.
    let pages = all_pages(&branch);
    assert!(!pages.contains("PARTY-TITLE-MARKER"));
}

#[test]
fn no_cache_means_no_pulled_entries_and_bad_sources_are_named() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}sources:\n  - id: never\n    url: https://never.example.org/feed.xml\n    branch: village\n"));
    let out = site.build(&[]).success().get_output().clone();
    assert!(text(&out.stdout).contains("1 个来源尚未拉取，运行 dangjian pull 后才会显示"));
    assert!(site.read("jiceng/index.html").contains("暂无内容"));
    site.write("site.yaml", &format!("{yaml}sources:\n  - id: bad\n    url: https://b.example.org/f.xml\n    brnach: village\n"));
    let err = site.build_err();
    assert!(
        err.contains("site.yaml 第 21 行，字段 “sources.brnach”：未知配置项")
            && err.contains("branch"),
        "{err}"
    );
    let out = dj(&site, "pull", &[]);
    assert!(!out.status.success() && text(&out.stderr).contains("sources.brnach"));
}
