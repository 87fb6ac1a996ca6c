//! The default theme's promises that need no browser: sharing tags, QR codes
//! for print, image sizes, per-page assets and the size budget. The browser
//! checks (axe-core, Lighthouse, Nu Html Checker, print to PDF) are in
//! `tests/external/browser.sh`.

use crate::support::{self, TestSite};

/// A PNG header with the given size (enough for the size to be read).
fn meta(html: &str, property: &str) -> Option<String> {
    let key = format!("<meta property=\"{property}\" content=\"");
    let start = html.find(&key)? + key.len();
    Some(html[start..].split('"').next()?.to_string())
}

#[test]
fn every_page_has_sharing_tags_and_a_canonical_url() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}share_image: /share.png\n"));
    site.write_bytes("static/share.png", &support::png(1200, 630));
    site.build_ok();
    let mut pages = 0;
    for (path, bytes) in TestSite::tree(&site.out()) {
        if !path.ends_with("index.html") || path.starts_with("old/") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        if html.contains("http-equiv=\"refresh\"") {
            continue; // alias redirects
        }
        pages += 1;
        let url = meta(&html, "og:url").unwrap_or_else(|| panic!("{path}: no og:url"));
        assert!(url.starts_with("https://example.org/"), "{path}: {url}");
        assert!(
            html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
            "{path}"
        );
        for p in ["og:title", "og:description", "og:image"] {
            let v = meta(&html, p).unwrap_or_else(|| panic!("{path}: no {p}"));
            assert!(!v.is_empty(), "{path}: empty {p}");
        }
        assert!(
            meta(&html, "og:image").unwrap().starts_with("https://"),
            "{path}"
        );
    }
    assert!(pages > 20, "{pages}");
    // An item with a cover shares its cover; others the site's image.
    let bundle = site.read("news/bundle-visit/index.html");
    assert_eq!(
        meta(&bundle, "og:image").as_deref(),
        Some("https://example.org/news/bundle-visit/photo-640.png")
    );
    assert_eq!(
        meta(&site.read("news/second/index.html"), "og:image").as_deref(),
        Some("https://example.org/share.png")
    );
    assert_eq!(
        meta(&site.read("news/second/index.html"), "og:url").as_deref(),
        Some("https://example.org/news/second/")
    );
}

#[test]
fn notices_and_disclosures_print_with_a_qr_code() {
    let site = TestSite::basic();
    site.build_ok();
    let notice = site.read("notices/meeting/index.html");
    assert!(
        notice.contains("<img src=\"/notices/meeting/qr.svg\""),
        "{notice}"
    );
    assert!(notice.contains("https://example.org/notices/meeting/"));
    assert!(notice.contains(">打印通知</button>"));
    let svg = site.read("notices/meeting/qr.svg");
    assert!(svg.contains("<svg") && svg.contains("#000000"), "{svg}");
    let disclosure = site.read("disclosure/dues-2026/index.html");
    assert!(disclosure.contains(">打印公示</button>"));
    assert!(site.exists("disclosure/dues-2026/qr.svg"));
    // News and lessons are not posted on the board.
    assert!(!site.exists("news/first/qr.svg"));
    assert!(!site.read("news/first/index.html").contains("data-print"));
}

#[test]
fn images_reserve_their_size_and_load_lazily() {
    let site = TestSite::basic();
    std::fs::write(
        site.root().join("content/news/bundle-visit/photo.png"),
        support::png(640, 360),
    )
    .unwrap();
    site.build_ok();
    let html = site.read("news/bundle-visit/index.html");
    assert!(
        html.contains(
            "<img src=\"/news/bundle-visit/photo-640.png\" alt=\"照片\" srcset=\"/news/bundle-visit/photo-480.png 480w, /news/bundle-visit/photo-640.png 640w\" sizes=\"(max-width: 48rem) calc(100vw - 2rem), 46rem\" width=\"640\" height=\"360\" loading=\"lazy\" decoding=\"async\">"
        ),
        "{html}"
    );
    assert!(
        html.contains("alt=\"走访照片\" width=\"640\" height=\"360\">"),
        "{html}"
    );
    let home = site.read("index.html");
    assert!(
        home.contains("width=\"640\" height=\"360\" loading=\"lazy\" decoding=\"async\""),
        "{home}"
    );
}

#[test]
fn code_styles_load_only_where_there_is_code_and_pages_stay_in_budget() {
    let site = TestSite::basic();
    site.build_ok();
    let with_code = site.read("news/first/index.html");
    let without = site.read("news/second/index.html");
    assert!(with_code.contains("href=\"/highlight.css\""));
    assert!(!without.contains("highlight.css"));
    // CSS plus JS of the heaviest page: 30 KB at most.
    let total: usize = ["style.css", "site.js", "highlight.css"]
        .iter()
        .map(|f| site.read(f).len())
        .sum::<usize>()
        + 200; // the inline text-size snippet
    assert!(total <= 30 * 1024, "{total} bytes");
    // Without JavaScript the tool bar stays hidden; nothing loads from outside.
    assert!(without.contains("<div class=\"wrap tools\" id=\"tools\" hidden>"));
    for (path, bytes) in TestSite::tree(&site.out()) {
        if path.ends_with(".html") || path.ends_with(".css") || path.ends_with(".js") {
            let text = String::from_utf8_lossy(&bytes);
            for attr in ["src=\"http", "href=\"//", "url(http", "@import"] {
                assert!(!text.contains(attr), "{path} loads from outside: {attr}");
            }
        }
    }
}

#[test]
fn the_footer_links_the_icp_and_public_security_records() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &yaml.replace(
            "  icp: 京ICP备00000000号-1",
            "  icp: 京ICP备00000000号-1\n  police: 京公网安备11010502030000号",
        ),
    );
    site.build_ok();
    let home = site.read("index.html");
    assert!(home.contains(
        "<a href=\"https://beian.miit.gov.cn/\" rel=\"noopener\">京ICP备00000000号-1</a>"
    ));
    assert!(home.contains("京公网安备11010502030000号</a>"));
}
