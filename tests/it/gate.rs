//! The publication gate: unpublished items leak into no output file.

use crate::support::TestSite;

const DRAFT: &[&str] = &["DRAFT-TITLE-MARKER", "DRAFT-BODY-MARKER", "draft-item-slug"];
const FUTURE: &[&str] = &[
    "FUTURE-TITLE-MARKER",
    "FUTURE-BODY-MARKER",
    "future-item-slug",
];
const PARTY: &[&str] = &[
    "PARTY-TITLE-MARKER",
    "PARTY-BODY-MARKER",
    "party-item-slug",
    "党内专属标签",
    "dang-nei-zhuan-shu-biao-qian",
];

/// Which markers appear in any output file (names and bytes both searched).
fn leaked<'a>(site: &TestSite, markers: &[&'a str]) -> Vec<(&'a str, String)> {
    let mut found = Vec::new();
    for (path, bytes) in TestSite::tree(&site.out()) {
        let text = String::from_utf8_lossy(&bytes);
        for m in markers {
            if path.contains(m) || text.contains(m) {
                found.push((*m, path.clone()));
            }
        }
    }
    found
}

#[test]
fn public_build_leaks_no_draft_future_or_party_item() {
    let site = TestSite::basic();
    site.build_ok();
    // Feeds and the sitemap are among the files searched.
    for f in [
        "feed.xml",
        "atom.xml",
        "feed.json",
        "notices/feed.xml",
        "branches/village/feed.json",
        "sitemap.xml",
    ] {
        assert!(site.exists(f), "{f}");
    }
    let all: Vec<&str> = [DRAFT, FUTURE, PARTY].concat();
    assert_eq!(leaked(&site, &all), vec![]);
    // The page linking to the draft keeps the text but loses the link.
    let first = site.read("news/first/index.html");
    assert!(first.contains("草稿") && !first.contains("secret-draft"));
}

#[test]
fn party_scope_adds_party_items_only() {
    let site = TestSite::basic();
    site.build(&["--scope", "party"]).success();
    assert!(!leaked(&site, PARTY).is_empty());
    assert!(
        site.read("notices/feed.xml").contains("PARTY-TITLE-MARKER"),
        "party build feeds carry party items"
    );
    assert!(site.exists("notices/party-item-slug/index.html"));
    assert_eq!(leaked(&site, &[DRAFT, FUTURE].concat()), vec![]);
    assert!(site.read("robots.txt").contains("Disallow: /"));
    assert!(site.read("index.html").contains("党内版"));
}

#[test]
fn drafts_flag_and_later_now_publish_them() {
    let site = TestSite::basic();
    site.build(&["--drafts"]).success();
    assert!(site.exists("notices/draft-item-slug/index.html"));
    assert!(
        site.read("news/first/index.html")
            .contains(r#"href="/notices/draft-item-slug/""#)
    );
    assert_eq!(leaked(&site, FUTURE), vec![]);
    site.run("build", &["--now", "2026-12-25 09:00"]).success();
    assert!(site.exists("news/future-item-slug/index.html"));
    assert!(site.read("sitemap.xml").contains("future-item-slug"));
}

#[test]
fn unit_scope_includes_party_items() {
    let site = TestSite::basic();
    site.write(
        "content/news/unit.md",
        "---\ntitle: 本单位 UNIT-MARKER\ndate: 2026-11-01\nscope: unit\n---\n",
    );
    site.build(&["--scope", "party"]).success();
    assert_eq!(leaked(&site, &["UNIT-MARKER"]), vec![]);
    site.build(&["--scope", "unit"]).success();
    assert!(!leaked(&site, &["UNIT-MARKER"]).is_empty());
    assert!(!leaked(&site, &["PARTY-BODY-MARKER"]).is_empty());
}

#[test]
fn withdrawn_disclosure_leaves_only_a_stub_everywhere() {
    let site = TestSite::basic();
    let item = |slug: &str, end: &str| {
        format!(
            "---\ntitle: 发展党员公示 {slug}\ndate: 2026-11-10\nslug: {slug}\ncategory: membership\nafter_period: withdraw\nperiod:\n  start: 2026-11-10\n{end}persons:\n  - name: NAME-{slug}\n    gender: 男\n---\nBODY-{slug}\n"
        )
    };
    // Ended 2026-11-16 (5 working days from Tuesday 11-10); still running at NOW (11-21).
    site.write("content/disclosure/ended.md", &item("ended", ""));
    site.write(
        "content/disclosure/running.md",
        &item("running", "  end: 2026-11-30\n"),
    );
    site.build_ok();
    assert_eq!(leaked(&site, &["NAME-ended", "BODY-ended"]), vec![]);
    let page = site.read("disclosure/ended/index.html");
    assert!(page.contains("公示期已结束") && page.contains("发展党员公示 ended"));
    assert!(
        site.read("disclosure/feed.xml")
            .contains("公示内容已按规定撤下")
    );
    let running = site.read("disclosure/running/index.html");
    assert!(running.contains("NAME-running") && running.contains("BODY-running"));
}
