//! sitemap.xml (an index past 50,000 URLs) and robots.txt.

use crate::content::Scope;
use crate::output::{Data, FileMeta, OutputFile, Role};
use crate::site::Site;
use crate::urlpath::encode_path;

/// URLs one sitemap file may hold (the protocol's limit).
pub(crate) const MAX_URLS: usize = 50_000;

/// sitemap.xml (plus sitemap-N.xml when split) and robots.txt.
pub(crate) fn files(site: &Site, files: &[FileMeta]) -> Vec<OutputFile> {
    let entries: Vec<(String, Option<&str>)> = files
        .iter()
        .filter_map(|f| match &f.role {
            Role::Page { lastmod } => {
                let path = f.path.strip_suffix("index.html").unwrap_or(&f.path);
                Some((site.permalink(&encode_path(path)), lastmod.as_deref()))
            }
            Role::Other => None,
        })
        .collect();
    let mut out: Vec<OutputFile> = sitemaps(&entries, |name| site.permalink(name), MAX_URLS)
        .into_iter()
        .map(|(name, text)| xml(&name, text))
        .collect();
    let robots = if site.gate.scope == Scope::Public {
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            site.permalink("sitemap.xml")
        )
    } else {
        // Intranet builds (党内/本单位) ask crawlers to stay away.
        "User-agent: *\nDisallow: /\n".to_string()
    };
    out.push(OutputFile::other(
        "robots.txt".into(),
        Data::Bytes(robots.into_bytes()),
        None,
    ));
    out
}

/// The sitemap files for `entries` (location, lastmod): one `sitemap.xml`,
/// or past `max` URLs a `sitemap.xml` index of `sitemap-N.xml` files.
fn sitemaps(
    entries: &[(String, Option<&str>)],
    permalink: impl Fn(&str) -> String,
    max: usize,
) -> Vec<(String, String)> {
    if entries.len() <= max {
        return vec![("sitemap.xml".into(), urlset(entries))];
    }
    let mut out = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (n, chunk) in entries.chunks(max).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        index.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            escape(&permalink(&name))
        ));
        out.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    out.push(("sitemap.xml".into(), index));
    out
}

fn xml(path: &str, text: String) -> OutputFile {
    OutputFile::other(path.into(), Data::Bytes(text.into_bytes()), None)
}

fn urlset(entries: &[(String, Option<&str>)]) -> String {
    let mut s = String::with_capacity(entries.len() * 100 + 200);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (loc, lastmod) in entries {
        s.push_str("  <url><loc>");
        s.push_str(&escape(loc));
        s.push_str("</loc>");
        if let Some(m) = lastmod {
            s.push_str("<lastmod>");
            s.push_str(&escape(m));
            s.push_str("</lastmod>");
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

fn escape(s: &str) -> String {
    crate::html::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<(String, Option<&'static str>)> {
        (0..n)
            .map(|i| (format!("https://e.org/p{i}/?a=1&b=2"), None))
            .collect()
    }

    #[test]
    fn one_file_up_to_the_limit() {
        let files = sitemaps(&entries(3), |n| format!("https://e.org/{n}"), 3);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "sitemap.xml");
        assert_eq!(files[0].1.matches("<url>").count(), 3);
        assert!(files[0].1.contains("?a=1&amp;b=2"), "escaped");
    }

    #[test]
    fn split_into_an_index_past_the_limit() {
        let files = sitemaps(&entries(5), |n| format!("https://e.org/{n}"), 2);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml",
                "sitemap.xml"
            ]
        );
        let index = &files[3].1;
        assert!(index.contains("<sitemapindex"));
        assert!(index.contains("<loc>https://e.org/sitemap-3.xml</loc>"));
        let urls: usize = files[..3]
            .iter()
            .map(|(_, t)| t.matches("<url>").count())
            .sum();
        assert_eq!(urls, 5);
    }
}
