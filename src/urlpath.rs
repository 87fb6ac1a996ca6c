//! Site paths in URLs: percent-encoding them for links and the sitemap,
//! decoding them from links and requests, and the one check that a path
//! written by an editor (an alias) or asked for by a browser (`serve`)
//! names a file inside the site.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but unreserved characters (RFC 3986) and `/` is encoded.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a site path, keeping `/` and unreserved characters.
pub(crate) fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// Decodes `%XX` escapes; a string that does not decode to UTF-8 is kept
/// as written (it then names no file).
pub(crate) fn percent_decode(s: &str) -> String {
    percent_decode_str(s)
        .decode_utf8()
        .map_or_else(|_| s.to_string(), |d| d.into_owned())
}

/// A site path (`/news/a/`, `/style.css`, `/标签/`), percent-decoded and
/// relative to the output folder, or `None` when it could leave the site
/// or reach a hidden file: it must start with one `/`, and may not hold
/// `..` or `.` segments, names starting with `.` (`/.htaccess`), empty
/// segments, `\`, NUL, `?`, `#`, or a `%` left after decoding (a double
/// encoding such as `%252e`). The result is empty or ends with `/` for a
/// folder.
pub(crate) fn site_path(url_path: &str) -> Option<String> {
    let decoded = percent_decode(url_path.trim());
    let rest = decoded.strip_prefix('/')?;
    let folder = rest.strip_suffix('/').unwrap_or(rest);
    let bad = rest.contains(['\\', '\0', '?', '#', '%'])
        || (!folder.is_empty()
            && folder
                .split('/')
                .any(|s| s.is_empty() || s.starts_with('.')));
    (!bad).then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        assert_eq!(
            encode_path("news/a b/附件.pdf"),
            "news/a%20b/%E9%99%84%E4%BB%B6.pdf"
        );
        assert_eq!(percent_decode("%E9%99%84%E4%BB%B6.pdf"), "附件.pdf");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%FF"), "%FF");
    }

    #[test]
    fn site_paths_stay_inside() {
        assert_eq!(site_path("/").as_deref(), Some(""));
        assert_eq!(site_path("/news/a/").as_deref(), Some("news/a/"));
        assert_eq!(site_path("/%E5%AD%A6/").as_deref(), Some("学/"));
        for bad in [
            "news/",
            "/../x",
            "/a/./b",
            "//evil.example/x",
            "/a//b",
            "/.htaccess",
            "/a/.well-known/x",
            "/%2e%2e/x",
            "/%252e%252e/x",
            "/a\\b",
            "/a%00b",
            "/a?b",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }
}
