//! Snapshots of rendered HTML: review changes with `cargo insta review`.

use crate::support::TestSite;

#[test]
fn rendered_pages() {
    let site = TestSite::basic();
    site.build_ok();
    for (name, path) in [
        ("news_item", "news/first/index.html"),
        ("notice_item", "notices/meeting/index.html"),
        ("news_listing_page_2", "news/page/2/index.html"),
        ("course", "lessons/course-a/index.html"),
        ("branches", "branches/index.html"),
        ("sitemap", "sitemap.xml"),
    ] {
        insta::assert_snapshot!(name, site.read(path));
    }
}
