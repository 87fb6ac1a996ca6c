//! 上下联动: feeds of branch sites (基层动态) and of the level above
//! (上级通知), listed in `sources:` of site.yaml.
//!
//! `dangjian pull` ([`run`]) fetches them into `.dangjian-cache/sources/`;
//! a build never touches the network: [`load`] reads that cache into the
//! site model ([`Pulled`]), and [`review::admit`] decides what may be
//! published. [`health`] tells how each source stands, for `check`.

mod cache;
pub(crate) mod config;
mod feed;
mod fetch;
pub mod health;
mod model;
pub(crate) mod review;
mod run;
mod text;

pub use cache::{CACHE_DIR, CacheFile, CachedEntry, LastError};
pub(crate) use config::SourcesConfig;
pub use model::{Pulled, PulledEntry, SourceLink, load};
pub use run::{Outcome, PullOptions, PullReport, SourceResult, run};

/// What a build says about pulled entries: a line for the summary and
/// the warnings (entries held back, unreadable caches).
#[derive(Debug, Clone, Default)]
pub struct BuildNotes {
    /// The summary line, when the site has sources.
    pub line: Option<String>,
    /// Entries held back and caches that could not be read.
    pub warnings: Vec<crate::Diagnostic>,
}

impl Pulled {
    /// The build summary's line and warnings.
    pub(crate) fn notes(&self) -> BuildNotes {
        let line = (!self.sources.is_empty()).then(|| {
            let mut line = format!(
                "上下联动：{} 个来源，显示基层动态 {} 条、上级通知 {} 条（读自 {CACHE_DIR}/，未联网）",
                self.sources.len(),
                self.jiceng.len(),
                self.upstream.len()
            );
            if self.never_pulled > 0 {
                line.push_str(&format!(
                    "；{} 个来源尚未拉取，运行 dangjian pull 后才会显示",
                    self.never_pulled
                ));
            }
            line
        });
        BuildNotes {
            line,
            warnings: self.notes.clone(),
        }
    }
}
