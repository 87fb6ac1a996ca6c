//! What each deployed file is: its Content-Type, Cache-Control and place in
//! the upload order.

use globset::{Glob, GlobMatcher};

use super::config::CacheRule;

/// Fingerprinted assets never change under their name.
pub(crate) const LONG: &str = "public, max-age=31536000, immutable";
/// Pages and feeds change with every rebuild; caches check again soon.
pub(crate) const SHORT: &str = "public, max-age=300";
/// Other assets (the theme's style.css, pictures) may change under their name.
pub(crate) const MEDIUM: &str = "public, max-age=3600";

/// Upload order: each class is complete on the target before the next
/// starts, so a new page never links to an asset or feed not yet there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    Asset,
    Feed,
    Page,
    Home,
}

impl Class {
    pub(crate) fn of(path: &str) -> Class {
        if path == "index.html" {
            Class::Home
        } else if path.ends_with(".html") || path.ends_with(".htm") {
            Class::Page
        } else if [".xml", ".json", ".txt"].iter().any(|e| path.ends_with(e)) {
            Class::Feed
        } else {
            Class::Asset
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Class::Asset => "资源文件",
            Class::Feed => "订阅源与站点地图",
            Class::Page => "页面",
            Class::Home => "首页",
        }
    }
}

/// Content-Type of a path, with `charset=utf-8` for text, HTML, XML and JSON.
pub(crate) fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let essence = mime.essence_str();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || essence.ends_with("xml")
        || essence.ends_with("json")
        || essence == "application/javascript";
    if textual {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}

/// `name.0123abcd.css`, `app-3f9a2b1c7d.js`: a content hash in the file name.
fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.split(['.', '-', '_']).skip(1).any(|part| {
        // Digits alone are more likely a date (`report-20261118.pdf`).
        part.len() >= 8
            && part.chars().all(|c| c.is_ascii_hexdigit())
            && part.chars().any(|c| c.is_ascii_alphabetic())
            && part.chars().any(|c| c.is_ascii_digit())
    })
}

/// Cache-Control rules: the site's globs first (first match wins), then defaults.
pub(crate) struct CachePolicy {
    rules: Vec<(GlobMatcher, String)>,
}

impl CachePolicy {
    pub fn new(rules: &[CacheRule]) -> CachePolicy {
        CachePolicy {
            rules: rules
                .iter()
                .filter_map(|r| {
                    let glob = Glob::new(&r.glob).ok()?;
                    Some((glob.compile_matcher(), r.value.clone()))
                })
                .collect(),
        }
    }

    pub(crate) fn for_path(&self, path: &str) -> String {
        if let Some((_, v)) = self.rules.iter().find(|(g, _)| g.is_match(path)) {
            return v.clone();
        }
        match Class::of(path) {
            Class::Home | Class::Page | Class::Feed => SHORT.into(),
            Class::Asset if is_fingerprinted(path) => LONG.into(),
            Class::Asset => MEDIUM.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_carry_utf8() {
        assert_eq!(
            content_type("news/a/index.html"),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type("feed.xml"), "text/xml; charset=utf-8");
        assert_eq!(content_type("feed.json"), "application/json; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("a.png"), "image/png");
        assert_eq!(content_type("a.pdf"), "application/pdf");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn cache_control_defaults_and_rules() {
        let p = CachePolicy::new(&[CacheRule {
            glob: "**/*.pdf".into(),
            value: "public, max-age=86400".into(),
        }]);
        assert_eq!(p.for_path("index.html"), SHORT);
        assert_eq!(p.for_path("news/feed.xml"), SHORT);
        assert_eq!(p.for_path("assets/app.3f9a2b1c.css"), LONG);
        assert_eq!(p.for_path("assets/app-3f9a2b1c7d.js"), LONG);
        assert_eq!(p.for_path("style.css"), MEDIUM);
        assert_eq!(p.for_path("notices/report-20261118.png"), MEDIUM);
        assert_eq!(p.for_path("news/2026-11-18-visit/photo.png"), MEDIUM);
        assert_eq!(p.for_path("notices/x/a.pdf"), "public, max-age=86400");
    }

    #[test]
    fn classes_order_assets_feeds_pages_home() {
        assert!(Class::of("style.css") < Class::of("feed.xml"));
        assert!(Class::of("feed.xml") < Class::of("news/index.html"));
        assert!(Class::of("news/index.html") < Class::of("index.html"));
        assert_eq!(Class::of("sitemap.xml"), Class::Feed);
        assert_eq!(Class::of("404.html"), Class::Page);
    }
}
