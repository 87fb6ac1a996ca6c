//! sitemap.xml (an index past 50,000 URLs) and robots.txt.

use super::{Data, FileMeta, OutputFile, Role};
use crate::content::Scope;
use crate::site::Site;
use crate::site::links::encode_path;

/// URLs one sitemap file may hold (the protocol's limit).
pub const MAX_URLS: usize = 50_000;

/// sitemap.xml (plus sitemap-N.xml when split) and robots.txt.
pub fn files(site: &Site, files: &[FileMeta]) -> Vec<OutputFile> {
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
    let mut out = Vec::new();
    if entries.len() <= MAX_URLS {
        out.push(xml("sitemap.xml", urlset(&entries)));
    } else {
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (n, chunk) in entries.chunks(MAX_URLS).enumerate() {
            let name = format!("sitemap-{}.xml", n + 1);
            index.push_str(&format!(
                "  <sitemap><loc>{}</loc></sitemap>\n",
                escape(&site.permalink(&name))
            ));
            out.push(xml(&name, urlset(chunk)));
        }
        index.push_str("</sitemapindex>\n");
        out.push(xml("sitemap.xml", index));
    }
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
    crate::markdown::html_escape(s)
}
