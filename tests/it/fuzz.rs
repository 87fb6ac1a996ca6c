//! Long property tests of what hostile content reaches first: front
//! matter, link destinations and paths. Ignored in the normal run; run with
//! `cargo test --release --test it fuzz -- --ignored` (CI runs them in
//! `.ci/run`, `FUZZ_CASES` sets the number of cases, default 20,000).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dangjian::content::frontmatter::{parse_item, split};
use dangjian::content::{FileInfo, Kind};
use dangjian::markdown::{LinkResolver, Markdown};
use dangjian::site::links::{Asset, BodyLinks, Route, Routes, World, join_inside};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Front matter built from the pieces editors and attackers write.
fn front_matter() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "title",
        "date",
        "summary",
        "tags",
        "attachments",
        "persons",
        "period",
        "quiz",
        "cover",
        "aliases",
        "draft",
        "scope",
        "x",
        "标题",
        "title：",
        "  - path",
    ]);
    let value = prop::sample::select(vec![
        "a",
        "2026-11-20",
        "2026-11-31",
        "+262142-12-31",
        "[a, b",
        "[[[[[[",
        "{a: 1}",
        "\"x",
        "*ref",
        "&anchor x",
        "!tag x",
        "13812345678",
        "07",
        "true",
        "- x",
        "：",
        "\t",
        "",
        "../../etc/passwd",
        "javascript:alert(1)",
        "\u{feff}",
        "2026年11月20日",
    ]);
    prop::collection::vec((key, value, 0usize..4), 0..12).prop_map(|lines| {
        let body: String = lines
            .into_iter()
            .map(|(k, v, indent)| format!("{}{k}: {v}\n", " ".repeat(indent * 2)))
            .collect();
        format!("---\n{body}---\n正文\n")
    })
}

/// A world of a few files, one Markdown source published and one not.
struct Fixture {
    files: BTreeMap<PathBuf, FileInfo>,
    markdown: BTreeSet<PathBuf>,
    bundles: BTreeMap<PathBuf, PathBuf>,
    routes: Routes,
    courses: BTreeSet<String>,
}

fn fixture() -> Fixture {
    let info = FileInfo {
        size: 1,
        modified: None,
        image: None,
        raster: None,
        active: false,
    };
    let files: BTreeMap<PathBuf, FileInfo> = [
        "content/news/a.png",
        "content/news/bundle/photo.png",
        "content/news/secret/photo.png",
        "content/notices/x.pdf",
    ]
    .iter()
    .map(|p| (PathBuf::from(p), info))
    .collect();
    let markdown: BTreeSet<PathBuf> = [
        "content/news/pub.md",
        "content/news/draft.md",
        "content/news/bundle/index.md",
        "content/news/secret/index.md",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let bundles = [
        ("content/news/bundle", "content/news/bundle/index.md"),
        ("content/news/secret", "content/news/secret/index.md"),
    ]
    .iter()
    .map(|(d, s)| (PathBuf::from(d), PathBuf::from(s)))
    .collect();
    let route = |url: &str| {
        Some(Route {
            url: url.into(),
            withdrawn: false,
        })
    };
    let routes: Routes = [
        ("content/news/pub.md", route("news/pub/")),
        ("content/news/draft.md", None),
        ("content/news/bundle/index.md", route("news/bundle/")),
        ("content/news/secret/index.md", None),
    ]
    .into_iter()
    .map(|(p, r)| (PathBuf::from(p), r))
    .collect();
    Fixture {
        files,
        markdown,
        bundles,
        routes,
        courses: BTreeSet::new(),
    }
}

fn destination() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "..",
        ".",
        "news",
        "draft.md",
        "pub.md",
        "secret",
        "photo.png",
        "a.png",
        "bundle",
        "%2e%2e",
        "%2Emd",
        "x.pdf",
        "notices",
        "content",
        "/",
        "//",
        "\\",
        "javascript:",
        "JaVaScRiPt:",
        "data:",
        "#frag",
        "?q",
        "",
        "passwd",
        "index.md",
        " ",
        "%00",
    ]);
    prop::collection::vec(piece, 1..8).prop_map(|p| p.join("/"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    #[ignore]
    fn fuzz_front_matter_never_panics_and_errors_have_lines(text in front_matter()) {
        let _ = split(&text);
        if let Err(diags) = parse_item(Path::new("content/news/a.md"), &text, Kind::Notice) {
            for d in diags {
                prop_assert!(d.line.is_some(), "no line: {d}");
                prop_assert!(!d.message.is_ascii(), "not Chinese: {d}");
            }
        }
    }

    #[test]
    #[ignore]
    fn fuzz_paths_never_leave_content(dir in destination(), written in destination()) {
        let dir = PathBuf::from("content").join(dir.trim_start_matches('/'));
        if let Ok(p) = join_inside(&dir, &written) {
            prop_assert!(p.starts_with("content"));
            prop_assert!(p.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }

    #[test]
    #[ignore]
    fn fuzz_links_publish_only_what_the_gate_allows(dest in destination(), image in any::<bool>()) {
        let f = fixture();
        let world = World {
            files: &f.files,
            markdown: &f.markdown,
            bundles: &f.bundles,
            routes: &f.routes,
            courses: &f.courses,
            data_files: &Default::default(),
            base_path: "/",
        };
        let links = BodyLinks::new(&world, Path::new("content/news"), None, "news/x/");
        let target = links.resolve(&dest, image);
        let lower = dest.to_ascii_lowercase();
        // A root-relative link is kept as written: it names an output path,
        // and sources are never output.
        let rooted = dest.trim_start_matches(['\\', ' ']).starts_with(['/', '#']);
        match &target {
            dangjian::markdown::LinkTarget::Rewrite(url) => {
                // The fragment is the editor's own text.
                let url = url.split(['#', '?']).next().unwrap_or("").to_ascii_lowercase();
                prop_assert!(
                    rooted || !(url.contains("draft") || url.contains("secret") || url.contains(".md")),
                    "{dest} → {url}"
                );
            }
            dangjian::markdown::LinkTarget::Keep => {
                let scheme = lower.split(':').next().unwrap_or("");
                let risky = ["javascript", "data", "vbscript"].contains(&scheme.trim());
                prop_assert!(!risky, "{dest}");
            }
            _ => {}
        }
        for asset in links.used.borrow().iter() {
            if let Asset::Loose(p) = asset {
                prop_assert!(f.files.contains_key(p), "{dest} used {p:?}");
            }
        }
        let body = format!("[链接]({dest}) ![图]({dest})");
        let (r, _) = Markdown::new(true, false).render(&body, 1, &links);
        let html = r.html.to_ascii_lowercase();
        let urls: Vec<&str> = ["href=\"", "src=\""]
            .iter()
            .flat_map(|attr| html.split(attr).skip(1))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        for url in urls {
            prop_assert!(!url.trim_start().starts_with("javascript"), "{html}");
            let url = url.split(['#', '?']).next().unwrap_or("");
            prop_assert!(rooted || !(url.contains("draft") || url.contains("secret")), "{html}");
        }
    }
}
