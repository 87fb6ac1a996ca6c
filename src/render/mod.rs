//! Pure rendering: `&Site` + `&Theme` → every output file, in memory.
//!
//! Nothing here touches the output folder; [`crate::output`] writes.

mod context;
mod pages;
mod sitemap;

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::site::Site;
use crate::theme::{StaticFile, Theme};

pub use context::page_path;

/// Where an output file's bytes come from.
#[derive(Debug, Clone)]
pub enum Data {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// Copy of a file, relative to the site root.
    Copy(PathBuf),
}

/// What an output file is, for the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An HTML page listed in the sitemap, with its last modification.
    Page { lastmod: Option<String> },
    /// Anything else: redirects, 404, assets, feeds, the sitemap itself.
    Other,
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub data: Data,
    pub role: Role,
    /// The source this file came from, for collision errors.
    pub source: Option<PathBuf>,
}

impl OutputFile {
    pub fn page(
        path: String,
        html: String,
        lastmod: Option<String>,
        source: Option<PathBuf>,
    ) -> Self {
        OutputFile {
            path,
            data: Data::Bytes(html.into_bytes()),
            role: Role::Page { lastmod },
            source,
        }
    }

    pub fn other(path: String, data: Data, source: Option<PathBuf>) -> Self {
        OutputFile {
            path,
            data,
            role: Role::Other,
            source,
        }
    }

    /// The bytes of the file (reading copies from `root`).
    pub fn bytes(&self, root: &std::path::Path) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Ok(match &self.data {
            Data::Bytes(b) => b.as_slice().into(),
            Data::Static(b) => (*b).into(),
            Data::Copy(p) => std::fs::read(root.join(p))?.into(),
        })
    }
}

/// Progress of rendering, reported as jobs finish.
pub trait Progress: Sync {
    fn start(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Renders every output of the site, sorted by path.
pub fn render(
    site: &Site,
    theme: &Theme,
    progress: &dyn Progress,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let renderer = pages::Renderer::new(site, theme);
    let jobs = renderer.jobs();
    progress.start("渲染页面", jobs.len() as u64);
    let results: Vec<Result<Vec<OutputFile>, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let r = renderer.run(job);
            progress.advance(1);
            r
        })
        .collect();
    progress.finish();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for r in results {
        match r {
            Ok(f) => files.extend(f),
            Err(d) => {
                if !diags.contains(&d) {
                    diags.push(d);
                }
            }
        }
    }
    files.extend(assets(site, theme));
    files.push(OutputFile::other(
        "highlight.css".into(),
        Data::Bytes(crate::markdown::highlight_css().into_bytes()),
        None,
    ));
    files.extend(renderer.aliases(&mut diags));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    check_collisions(&files, &mut diags);
    files.extend(sitemap::files(site, &files));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if diags.is_empty() {
        Ok(files)
    } else {
        Err(diags)
    }
}

fn assets(site: &Site, theme: &Theme) -> Vec<OutputFile> {
    let mut out: Vec<OutputFile> = theme
        .statics
        .iter()
        .map(|(path, src)| {
            let data = match src {
                StaticFile::Builtin(b) => Data::Static(b),
                StaticFile::Disk(p) => Data::Copy(p.clone()),
            };
            let source = match src {
                StaticFile::Disk(p) => Some(p.clone()),
                StaticFile::Builtin(_) => Some(PathBuf::from(format!("内置主题/static/{path}"))),
            };
            OutputFile::other(path.clone(), data, source)
        })
        .collect();
    for item in &site.items {
        if let Some(b) = &item.entry.bundle {
            for rel in &b.assets {
                let src = b.dir.join(rel);
                let path = format!("{}{}", item.path, crate::site::links::slash_path(rel));
                out.push(OutputFile::other(path, Data::Copy(src.clone()), Some(src)));
            }
        }
    }
    for (path, src) in &site.loose_assets {
        out.push(OutputFile::other(
            path.clone(),
            Data::Copy(src.clone()),
            Some(src.clone()),
        ));
    }
    out
}

/// Two sources writing one output path is an error naming both.
fn check_collisions(files: &[OutputFile], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &OutputFile> = HashMap::new();
    for f in files {
        if let Some(prev) = seen.insert(&f.path, f) {
            // The same file copied twice (two items using one image) is fine.
            if let (Data::Copy(a), Data::Copy(b)) = (&prev.data, &f.data)
                && a == b
            {
                continue;
            }
            let name = |o: &OutputFile| {
                o.source
                    .as_ref()
                    .map_or("生成的页面".into(), |p| p.display().to_string())
            };
            diags.push(
                Diagnostic::error(
                    f.source.clone().unwrap_or_default(),
                    format!(
                        "输出文件 “{}” 重复：{} 也会生成这个文件",
                        f.path,
                        name(prev)
                    ),
                )
                .hint("修改其中一个的 slug、aliases 或文件名"),
            );
        }
    }
}
