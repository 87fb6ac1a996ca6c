//! Redirect pages for old URLs (`aliases:`), at safe page paths only.

use tera::Context;

use super::context::Link;
use super::pages::Renderer;
use crate::diagnostic::Diagnostic;
use crate::output::{Data, OutputFile};

impl Renderer<'_> {
    /// Redirect pages for every `aliases` entry.
    pub(crate) fn aliases(&self, diags: &mut Vec<Diagnostic>) -> Vec<OutputFile> {
        let s = self.site;
        let mut out = Vec::new();
        for item in &s.items {
            for alias in &item.entry.meta.aliases {
                let Some(path) = alias_path(alias) else {
                    diags.push(
                        item.entry
                            .error("aliases", format!("旧网址 “{alias}” 不可用"))
                            .hint("写成站内路径，以 / 开头，例如 /old/path.html 或 /old/path/；不能包含 .. 或以 . 开头的部分，文件类型只能是网页（.html、.php、.asp 等）"),
                    );
                    continue;
                };
                let mut ctx: Context = self.base.clone();
                ctx.insert(
                    "target",
                    &Link {
                        title: item.entry.title.clone(),
                        url: s.url(&item.path),
                    },
                );
                ctx.insert("permalink", &s.permalink(&item.path));
                match self.render("alias.html", &ctx) {
                    Ok(html) => out.push(OutputFile::other(
                        path,
                        Data::Bytes(html.into_bytes()),
                        Some(item.entry.path.clone()),
                    )),
                    Err(d) => diags.push(d),
                }
            }
        }
        out
    }
}

/// File types an alias may have: the page types old sites and CMSs used,
/// which a host serves as a page. Anything else (`/web.config`,
/// `/old.pdf`) would serve the redirect page under the wrong type or
/// replace a server file.
const ALIAS_TYPES: &[&str] = &[
    "html", "htm", "shtml", "php", "asp", "aspx", "jsp", "jspx", "do", "action", "cgi",
];

/// The output file for an alias, or `None` if it is not a safe site path
/// (`urlpath::site_path`: no `..`, no hidden names such as `/.htaccess`)
/// of a page type.
fn alias_path(alias: &str) -> Option<String> {
    let rest = crate::urlpath::site_path(alias)?;
    if rest.is_empty() {
        return None;
    }
    let last = rest.rsplit('/').next().unwrap_or("");
    Some(if rest.ends_with('/') {
        format!("{rest}index.html")
    } else if let Some((_, ext)) = last.rsplit_once('.') {
        if !ALIAS_TYPES.contains(&ext.to_ascii_lowercase().as_str()) {
            return None;
        }
        rest
    } else {
        format!("{rest}/index.html")
    })
}

#[cfg(test)]
mod tests {
    use super::alias_path;

    #[test]
    fn alias_paths() {
        assert_eq!(
            alias_path("/old/path.html").as_deref(),
            Some("old/path.html")
        );
        assert_eq!(
            alias_path("/old/path/").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(
            alias_path("/old/path").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(alias_path("/../etc/passwd"), None);
        assert_eq!(alias_path("old.html"), None);
        assert_eq!(alias_path("/"), None);
        assert_eq!(alias_path("//evil.example/x"), None);
        assert_eq!(alias_path("/.htaccess"), None);
        assert_eq!(alias_path("/a/.well-known/x.html"), None);
        assert_eq!(alias_path("/web.config"), None);
        assert_eq!(alias_path("/old/list.php").as_deref(), Some("old/list.php"));
        // Pasted from a browser's address bar: decoded like a request.
        assert_eq!(
            alias_path("/%E6%97%A7/a.html").as_deref(),
            Some("旧/a.html")
        );
    }
}
