//! The happy path: every page and URL of SPEC "Outputs and URLs" (feeds aside).

use crate::support::{self, TestSite};

#[test]
fn builds_every_page_kind() {
    let site = TestSite::basic();
    site.build_ok();
    for page in [
        "index.html",
        "404.html",
        "news/index.html",
        "news/page/2/index.html",
        "news/first/index.html",
        "news/bundle-visit/index.html",
        "notices/index.html",
        "notices/meeting/index.html",
        "lessons/index.html",
        "lessons/course-a/index.html",
        "lessons/course-a/one/index.html",
        "disclosure/index.html",
        "disclosure/dues-2026/index.html",
        "disclosure/dues/index.html",
        "branches/index.html",
        "branches/county/index.html",
        "branches/village/index.html",
        "tags/index.html",
        "about/index.html",
        "sitemap.xml",
        "robots.txt",
        "style.css",
        "highlight.css",
        "extra.css",
    ] {
        assert!(site.exists(page), "missing {page}");
    }
    // The disclosure category page: /disclosure/<category>/.
    assert!(site.read("disclosure/dues/index.html").contains("党费公示"));
}

#[test]
fn item_page_has_its_content_and_metadata() {
    let site = TestSite::basic();
    site.build_ok();
    let html = site.read("news/first/index.html");
    assert!(html.contains("<title>第一条动态 - 测试党建网</title>"));
    assert!(
        html.contains(r#"<h2 id="学习-心得">"#),
        "Chinese heading id"
    );
    // pulldown-cmark percent-encodes hrefs; browsers match it to the id.
    assert!(
        html.contains(r#"href="/notices/meeting/#%E8%A6%81%E6%B1%82""#),
        "md link rewritten: {html}"
    );
    assert!(html.contains("class=\"hl-"), "code highlighted");
    assert!(html.contains(r#"href="/branches/village/">测试村党支部</a>"#));
    assert!(html.contains(r#"href="/tags/xue-xi/""#));
    assert!(html.contains(r#"<link rel="canonical" href="https://example.org/news/first/">"#));
}

#[test]
fn bundle_assets_are_copied_and_relative_links_work() {
    let site = TestSite::basic();
    site.build_ok();
    // A photo is published as its variants, never as it is.
    assert!(!site.exists("news/bundle-visit/photo.png"));
    assert!(site.exists("news/bundle-visit/photo-480.png"));
    assert!(site.exists("news/bundle-visit/photo-640.png"));
    let html = site.read("news/bundle-visit/index.html");
    assert!(
        html.contains(r#"<img src="/news/bundle-visit/photo-640.png" alt="照片""#),
        "{html}"
    );
    assert!(html.contains(r#"src="/news/bundle-visit/photo-640.png" srcset="/news/bundle-visit/photo-480.png 480w, /news/bundle-visit/photo-640.png 640w""#), "{html}");
    assert!(!html.contains("<script>alert"), "raw HTML sanitized");
}

#[test]
fn listings_paginate_newest_first() {
    let site = TestSite::basic();
    site.build_ok();
    let p1 = site.read("news/index.html");
    let p2 = site.read("news/page/2/index.html");
    let pos = |s: &str, t: &str| s.find(t).unwrap_or_else(|| panic!("{t} not in page"));
    assert!(pos(&p1, "页面包动态") < pos(&p1, "第三条动态"));
    assert!(p2.contains("第二条动态") && p2.contains("第一条动态"));
    assert!(p1.contains(r#"href="/news/page/2/""#));
    assert!(p2.contains(r#"rel="prev" href="/news/""#));
}

#[test]
fn branch_lists_its_subtree() {
    let site = TestSite::basic();
    site.build_ok();
    let county = site.read("branches/county/index.html");
    // Every item but the standalone page; items naming no branch are the root's.
    assert!(
        county.contains("共 8 篇"),
        "root holds every item: {county}"
    );
    let town = site.read("branches/town/index.html");
    assert!(
        town.contains("会议通知") && town.contains("页面包动态"),
        "newest first"
    );
    assert!(
        site.read("branches/town/page/2/index.html")
            .contains("第二条动态")
    );
    assert!(town.contains("共 4 篇"), "town + village items");
    let village = site.read("branches/village/index.html");
    assert!(village.contains("共 2 篇"));
    assert!(site.read("branches/index.html").contains("测试村党支部"));
}

#[test]
fn course_orders_lessons_with_prev_next() {
    let site = TestSite::basic();
    site.build_ok();
    let course = site.read("lessons/course-a/index.html");
    assert!(course.find("第一课").unwrap() < course.find("第二课").unwrap());
    let one = site.read("lessons/course-a/one/index.html");
    assert!(one.contains("第 1 课 / 共 2 课"));
    assert!(one.contains(r#"rel="next" href="/lessons/course-a/two/""#));
    assert!(site.read("lessons/index.html").contains("必学"));
}

#[test]
fn home_shows_pinned_notice_first() {
    let site = TestSite::basic();
    site.build_ok();
    let home = site.read("index.html");
    assert!(home.contains("置顶"));
    assert!(home.contains("会议通知"));
    assert!(home.contains("测试课程"));
}

#[test]
fn sitemap_robots_and_aliases() {
    let site = TestSite::basic();
    site.build_ok();
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains(
        "<loc>https://example.org/news/first/</loc><lastmod>2026-11-01T09:00:00+08:00</lastmod>"
    ));
    assert!(!sitemap.contains("404"));
    assert!(!sitemap.contains("old/first"));
    assert!(
        site.read("robots.txt")
            .contains("Sitemap: https://example.org/sitemap.xml")
    );
    let alias = site.read("old/first.html");
    assert!(alias.contains(r#"url=/news/first/"#));
}

#[test]
fn base_url_with_a_path_prefixes_every_link() {
    let site = TestSite::basic();
    site.build(&["--base-url", "https://host.example/dangjian/"])
        .success();
    let html = site.read("news/first/index.html");
    assert!(html.contains(r#"href="/dangjian/notices/meeting/#%E8%A6%81%E6%B1%82""#));
    assert!(html.contains(r#"href="/dangjian/style.css""#));
    assert!(html.contains(r#"href="/dangjian/branches/village/""#));
    assert!(!html.contains(r#"href="/news"#) && !html.contains(r#"href="/notices"#));
    assert!(
        site.read("sitemap.xml")
            .contains("https://host.example/dangjian/news/first/")
    );
}

#[test]
fn site_templates_and_static_override_the_theme() {
    let site = TestSite::basic();
    site.write(
        "themes/default/templates/404.html",
        "自定义 404 {{ site.title }}",
    );
    site.write("static/style.css", "/* mine */");
    site.build_ok();
    assert_eq!(site.read("404.html"), "自定义 404 测试党建网");
    assert_eq!(site.read("style.css"), "/* mine */");
}

#[test]
fn minimal_site_builds_with_the_builtin_theme() {
    let site = TestSite::fixture("basic");
    std::fs::remove_dir_all(site.root().join("content")).unwrap();
    std::fs::remove_dir_all(site.root().join("static")).unwrap();
    site.write(
        "site.yaml",
        "title: 最小站点\nbase_url: https://m.example/\n",
    );
    site.write(
        "content/news/a.md",
        "---\ntitle: 唯一动态\ndate: 2026-01-01\n---\n正文\n",
    );
    site.build_ok();
    assert!(site.read("news/a/index.html").contains("唯一动态"));
    assert!(site.read("index.html").contains("最小站点"));
}

#[test]
fn pinyin_slug_for_chinese_file_names() {
    let site = TestSite::basic();
    site.write(
        "content/news/中文文件名.md",
        "---\ntitle: 学习党章\ndate: 2026-01-01\n---\n正文\n",
    );
    site.build_ok();
    assert!(site.exists("news/xue-xi-dang-zhang/index.html"));
}

#[test]
fn links_to_section_index_files_become_listing_urls() {
    let site = TestSite::basic();
    site.write("content/news/linker.md", "---\ntitle: 链接\ndate: 2026-01-01\n---\n[通知公告](../notices/_index.md) [课程](../lessons/course-a/_index.md)\n");
    site.build_ok();
    let html = site.read("news/linker/index.html");
    assert!(html.contains(r#"href="/notices/">通知公告</a>"#), "{html}");
    assert!(html.contains(r#"href="/lessons/course-a/">课程</a>"#));
}

#[test]
fn help_is_in_chinese() {
    let out = assert_cmd::Command::cargo_bin("dangjian")
        .unwrap()
        .args(["build", "--help"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("用法") && text.contains("发布范围") && text.contains("选项"),
        "{text}"
    );
}

#[test]
fn summary_line_reports_counts() {
    let site = TestSite::basic();
    let out = site.build(&[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("构建完成：发布 9 篇内容"), "{text}");
    assert!(
        text.contains("草稿 1 篇，未到发布时间 1 篇，不在本次发布范围 1 篇"),
        "{text}"
    );
}

#[test]
fn disclosure_status_days_left_and_archive() {
    let site = TestSite::basic();
    let item = |slug: &str, period: &str, after: &str| {
        format!(
            "---\ntitle: 公示 {slug}\ndate: 2026-11-01\nslug: {slug}\ncategory: finance\n{after}period:\n{period}---\n正文\n"
        )
    };
    site.write(
        "content/disclosure/a.md",
        &item("active", "  start: 2026-11-19\n  end: 2026-11-25\n", ""),
    );
    site.write(
        "content/disclosure/b.md",
        &item("upcoming", "  start: 2026-11-23\n", ""),
    );
    site.write(
        "content/disclosure/c.md",
        &item(
            "archived",
            "  start: 2026-11-02\n  end: 2026-11-06\n",
            "after_period: archive\n",
        ),
    );
    site.build_ok();
    let active = site.read("disclosure/active/index.html");
    assert!(
        active.contains("公示中（剩余 5 天）"),
        "the 25th counts: {active}"
    );
    assert!(active.contains(
        r#"data-start="2026-11-19T00:00:00+08:00" data-end="2026-11-25T23:59:59+08:00""#
    ));
    // No end: start + 5 working days (Mon 23rd … Fri 27th).
    let upcoming = site.read("disclosure/upcoming/index.html");
    assert!(
        upcoming.contains("未开始") && upcoming.contains("2026年11月27日"),
        "{upcoming}"
    );
    let archived = site.read("disclosure/archived/index.html");
    assert!(
        archived.contains("已结束") && archived.contains("已归档") && archived.contains("正文")
    );
    assert!(
        site.read("disclosure/index.html")
            .contains("公示中（剩余 5 天）"),
        "listings show status"
    );
}

#[test]
fn build_reports_and_records_the_next_rebuild() {
    let site = TestSite::basic();
    let out = site.build(&[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("下次需要重新构建：2026-12-01 23:59（通知过期）"),
        "{text}"
    );
    let info: serde_json::Value = serde_json::from_str(&site.read("build.json")).unwrap();
    assert_eq!(info["next_rebuild"], "2026-12-01T23:59:59+08:00");
    assert_eq!(info["next_rebuild_reason"], "notice-expiry");
    assert_eq!(info["built_at"], "2026-11-21T12:00:00+08:00");
    // After the expiry, the embargoed item is next; build.json names no item.
    site.run("build", &["--now", "2026-12-02"]).success();
    let info = site.read("build.json");
    assert!(
        info.contains("\"next_rebuild\": \"2026-12-25T09:00:00+08:00\"")
            && info.contains("embargo"),
        "{info}"
    );
}

#[test]
fn notices_listing_leads_with_pinned_unexpired_notices() {
    let site = TestSite::basic();
    site.write(
        "content/notices/newer.md",
        "---\ntitle: 较新的通知\ndate: 2026-11-20\n---\n",
    );
    site.write(
        "content/notices/old-pinned.md",
        "---\ntitle: 过期置顶\ndate: 2026-11-10\npinned: true\nexpires: 2026-11-15\n---\n",
    );
    site.build_ok();
    let list = site.read("notices/index.html");
    let pos = |t: &str| list.find(t).unwrap_or_else(|| panic!("{t}"));
    // 会议通知 (11-05) is pinned until 12-01; the expired pin falls back by date.
    assert!(pos("会议通知") < pos("较新的通知"));
    let page2 = site.read("notices/page/2/index.html");
    assert!(page2.contains("过期置顶") && page2.contains("已过期"));
}

#[test]
fn course_cover_is_copied_and_shown() {
    let site = TestSite::basic();
    site.write(
        "content/lessons/course-a/_index.md",
        "---\ntitle: 测试课程\ncover: c.png\ncover_alt: 课程封面\n---\n",
    );
    site.write_bytes("content/lessons/course-a/c.png", &support::png(300, 200));
    site.build_ok();
    assert!(site.exists("lessons/course-a/c-300.png"));
    assert!(!site.exists("lessons/course-a/c.png"));
    let html = site.read("lessons/course-a/index.html");
    assert!(
        html.contains(
            r#"src="/lessons/course-a/c-300.png" srcset="/lessons/course-a/c-300.png 300w""#
        ),
        "{html}"
    );
    assert!(html.contains(r#"alt="课程封面" width="300" height="200""#));
}

/// #20: a lesson shows its study time (`duration:`) or, without one, its
/// reading time — never both, which read as two different lengths.
#[test]
fn i20_a_lesson_shows_its_study_time_or_its_reading_time() {
    let site = TestSite::basic();
    site.build_ok();
    let one = site.read("lessons/course-a/one/index.html");
    assert!(one.contains("学习时长：约 15 分钟"), "{one}");
    assert!(!one.contains("分钟读完"), "{one}");
    let two = site.read("lessons/course-a/two/index.html");
    assert!(
        two.contains("分钟读完") && !two.contains("学习时长"),
        "{two}"
    );
}
