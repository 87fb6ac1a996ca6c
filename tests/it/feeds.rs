//! Feeds: every feed parses back, in order, with absolute URLs and enclosures.

use crate::support::TestSite;

fn rss(site: &TestSite, rel: &str) -> rss::Channel {
    rss::Channel::read_from(site.read(rel).as_bytes()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn atom(site: &TestSite, rel: &str) -> atom_syndication::Feed {
    site.read(rel)
        .parse()
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(site: &TestSite, rel: &str) -> serde_json::Value {
    serde_json::from_str(&site.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_feed_parses_with_the_formats_own_parsers() {
    let site = TestSite::basic();
    site.build_ok();
    let mut counts = [0; 3];
    for (path, _) in TestSite::tree(&site.out()) {
        if path.ends_with("feed.xml") || path.ends_with("podcast.xml") {
            rss(&site, &path);
            counts[0] += 1;
        } else if path.ends_with("atom.xml") {
            atom(&site, &path);
            counts[1] += 1;
        } else if path.ends_with("feed.json") {
            let j = json(&site, &path);
            assert_eq!(j["version"], "https://jsonfeed.org/version/1.1");
            counts[2] += 1;
        }
    }
    // site, 4 sections, 1 category, 3 branches, 2 tags, 1 course; plus a podcast.
    assert_eq!(counts, [13, 12, 12]);
    for listing in [
        "",
        "news/",
        "notices/",
        "lessons/",
        "disclosure/",
        "disclosure/dues/",
        "branches/town/",
        "tags/xue-xi/",
        "lessons/course-a/",
    ] {
        assert!(
            site.exists(&format!("{listing}feed.xml")),
            "{listing}feed.xml"
        );
    }
}

#[test]
fn site_feed_is_newest_first_with_stable_absolute_ids() {
    let site = TestSite::basic();
    site.build_ok();
    let channel = rss(&site, "feed.xml");
    let items = channel.items();
    // 9 published items less the standalone page.
    assert_eq!(items.len(), 8);
    let dates: Vec<_> = items
        .iter()
        .map(|i| chrono::DateTime::parse_from_rfc2822(i.pub_date().unwrap()).unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for item in items {
        let link = item.link().unwrap();
        assert!(link.starts_with("https://example.org/"));
        assert_eq!(item.guid().unwrap().value(), link);
        let content = item.content().unwrap();
        assert!(
            !content.contains("href=\"/") && !content.contains("src=\"/"),
            "{content}"
        );
        assert!(
            !content.contains("src=\"photo"),
            "relative image made absolute"
        );
    }
    // The feed's date is the newest item's, not the wall clock's.
    assert_eq!(channel.last_build_date(), items[0].pub_date());
    let first = items
        .iter()
        .find(|i| i.title() == Some("第一条动态"))
        .unwrap();
    let cats: Vec<&str> = first.categories().iter().map(|c| c.name()).collect();
    assert_eq!(cats, ["主题党日", "学习", "测试村党支部"]);
    assert!(
        first
            .content()
            .unwrap()
            .contains("href=\"https://example.org/notices/meeting/#")
    );
    let atom = atom(&site, "atom.xml");
    assert_eq!(atom.entries().len(), 8);
    assert_eq!(atom.entries()[0].id(), items[0].link().unwrap());
    assert_eq!(atom.updated().to_rfc3339(), "2026-11-06T09:00:00+08:00");
    let j = json(&site, "feed.json");
    assert_eq!(j["items"].as_array().unwrap().len(), 8);
    assert_eq!(j["items"][0]["date_published"], "2026-11-06T09:00:00+08:00");
}

#[test]
fn attachments_are_enclosures_in_every_format() {
    let site = TestSite::basic();
    site.build_ok();
    let url = "https://example.org/notices/meeting-plan.pdf";
    let channel = rss(&site, "notices/feed.xml");
    let enc = channel.items()[0].enclosure().expect("rss enclosure");
    assert_eq!(
        (enc.url(), enc.mime_type(), enc.length()),
        (url, "application/pdf", "19")
    );
    let atom = atom(&site, "notices/atom.xml");
    let link = atom.entries()[0]
        .links()
        .iter()
        .find(|l| l.rel() == "enclosure")
        .expect("atom enclosure");
    assert_eq!(
        (link.href(), link.mime_type(), link.length()),
        (url, Some("application/pdf"), Some("19"))
    );
    let j = json(&site, "notices/feed.json");
    let a = &j["items"][0]["attachments"][0];
    assert_eq!(
        (
            a["url"].as_str(),
            a["mime_type"].as_str(),
            a["size_in_bytes"].as_u64()
        ),
        (Some(url), Some("application/pdf"), Some(19))
    );
    let content = channel.items()[0].content().unwrap();
    assert!(
        content.contains("级别：紧急") && content.contains("有效期至：2026年12月1日"),
        "{content}"
    );
}

#[test]
fn course_podcast_has_audio_and_itunes_tags() {
    let site = TestSite::basic();
    site.build_ok();
    let text = site.read("lessons/course-a/podcast.xml");
    assert!(text.contains("xmlns:itunes"));
    let channel = rss(&site, "lessons/course-a/podcast.xml");
    assert_eq!(channel.items().len(), 1, "only lessons with audio");
    let item = &channel.items()[0];
    let enc = item.enclosure().unwrap();
    assert_eq!(enc.url(), "https://example.org/lessons/course-a/one.mp3");
    assert_eq!(enc.mime_type(), "audio/mpeg");
    let it = item.itunes_ext().unwrap();
    assert_eq!(it.episode(), Some("1"));
    assert_eq!(it.duration(), Some("00:15:00"));
    assert_eq!(it.explicit(), Some("false"));
    assert_eq!(channel.itunes_ext().unwrap().author(), Some("测试党建网"));
    assert!(!site.exists("news/podcast.xml"));
}

#[test]
fn limit_and_summary_settings() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &format!("{yaml}feeds:\n  limit: 2\n  full_content: false\n"),
    );
    site.build_ok();
    let channel = rss(&site, "feed.xml");
    assert_eq!(channel.items().len(), 2);
    let content = channel.items()[1].content().unwrap();
    assert!(!content.contains("<h2"), "summary only: {content}");
}

#[test]
fn feeds_work_under_a_base_path() {
    let site = TestSite::basic();
    site.build(&["--base-url", "https://host.example/dangjian/"])
        .success();
    let channel = rss(&site, "news/feed.xml");
    assert_eq!(channel.link(), "https://host.example/dangjian/news/");
    let first = channel
        .items()
        .iter()
        .find(|i| i.title() == Some("第一条动态"))
        .unwrap();
    assert!(
        first
            .content()
            .unwrap()
            .contains("https://host.example/dangjian/notices/meeting/")
    );
}

#[test]
fn unknown_attachment_type_is_an_error() {
    let site = TestSite::basic();
    site.write("content/notices/odd.qqq", "x");
    site.write(
        "content/notices/odd.md",
        "---\ntitle: 奇怪附件\ndate: 2026-11-01\nattachments:\n  - path: odd.qqq\n---\n",
    );
    let e = site.build_err();
    assert!(
        e.contains(
            "content/notices/odd.md 第 4 行，字段 “attachments”：无法确定文件 “odd.qqq” 的类型"
        ),
        "{e}"
    );
}

#[test]
fn pages_link_their_feeds_and_the_feeds_page_lists_them() {
    let site = TestSite::basic();
    site.build_ok();
    let html = site.read("news/first/index.html");
    for feed in [
        "/feed.xml",
        "/news/feed.xml",
        "/branches/village/feed.xml",
        "/branches/village/atom.xml",
    ] {
        assert!(html.contains(&format!("href=\"{feed}\"")), "{feed}");
    }
    let page = site.read("feeds/index.html");
    assert!(page.contains("https://example.org/tags/xue-xi/feed.xml"));
    assert!(page.contains("复制"));
    assert!(page.contains("/lessons/course-a/podcast.xml"));
}

#[test]
fn feed_snapshots() {
    let site = TestSite::basic();
    site.build_ok();
    insta::assert_snapshot!("rss", site.read("notices/feed.xml"));
    insta::assert_snapshot!("atom", site.read("notices/atom.xml"));
    insta::assert_snapshot!("json_feed", site.read("notices/feed.json"));
}

#[test]
fn a_link_that_is_no_valid_url_is_an_error() {
    let site = TestSite::basic();
    site.write(
        "content/news/badurl.md",
        "---\ntitle: 坏链接\ndate: 2026-11-01\n---\n见[内网](http://[::1)。\n",
    );
    let e = site.build_err();
    assert!(e.contains("content/news/badurl.md"), "{e}");
    assert!(
        e.contains("字段 “正文链接”：正文中的链接 “http://%5B::1” 不是有效的网址"),
        "{e}"
    );
}
