//! One build, start to end: load → model → render → write.

use std::path::PathBuf;
use std::time::{Duration, Instant as Clock};

use crate::config::Config;
use crate::content::{self, Scope};
use crate::diagnostic::{self, Diagnostic};
use crate::markdown::Markdown;
use crate::output::Sink;
use crate::output::{Staging, WriteError};
use crate::render::{self, Progress, RenderError};
use crate::site::{Gate, GateStats, Site};
use crate::theme::Theme;
use crate::time;

/// Validated options of a build (the `build` and `check` commands).
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root, holding site.yaml and content/.
    pub root: PathBuf,
    /// The output folder; `root/output` when `None`.
    pub out: Option<PathBuf>,
    /// Who the build is for: public, party or unit (SPEC "Scope").
    pub scope: Scope,
    /// `--now`, as written; the current time when `None`.
    pub now: Option<String>,
    /// Publish drafts (`--drafts`, and `serve`).
    pub drafts: bool,
    /// Publish items dated after `now` (`--future`, and `serve`).
    pub future: bool,
    /// A `serve` preview: banners on items the public would not see.
    pub preview: bool,
    /// A `check`: report what any build of any scope would refuse.
    pub check: bool,
    /// `--base-url`: replaces site.yaml's `base_url` (e.g. an intranet address).
    pub base_url: Option<String>,
}

impl BuildOptions {
    /// A public build of the site at `root`, at the current time.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            out: None,
            scope: Scope::Public,
            now: None,
            drafts: false,
            future: false,
            preview: false,
            check: false,
            base_url: None,
        }
    }

    pub(crate) fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("output"))
    }
}

/// A site loaded and modelled, ready to render.
pub struct Prepared {
    /// The read-only model, after the publication gate.
    pub site: Site,
    pub(crate) theme: Theme,
    pub(crate) timings: Vec<(&'static str, Duration)>,
}

/// What a finished build reports.
#[derive(Debug)]
pub struct BuildReport {
    /// What the gate published and held back.
    pub stats: GateStats,
    /// Files in the output.
    pub files: usize,
    /// Files written because they are new or changed; the rest were
    /// hard-linked unchanged from the previous output.
    pub written: usize,
    /// The output folder.
    pub out: PathBuf,
    /// The instant the build was made for.
    pub now: time::Instant,
    /// When a rebuild would next change the output.
    pub next_change: Option<crate::site::NextChange>,
    /// Public items allowed to show personal data, with the reason given.
    pub pii_allowed: Vec<(PathBuf, String)>,
    /// Problems that did not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// What the build says about pulled entries (`sources:`).
    pub pulled: crate::pull::BuildNotes,
    /// Image files made now (encoded or stripped) and taken from the cache.
    pub images_made: usize,
    /// Image files taken from the cache.
    pub images_reused: usize,
    /// How long each stage took, in order (`--verbose`).
    pub timings: Vec<(&'static str, Duration)>,
    /// How long the whole build took.
    pub total: Duration,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Problems in the site's files; nothing was written.
    #[error("发现 {} 个问题，未生成网站，原有的输出保持不变", .0.len())]
    Content(Vec<Diagnostic>),
    #[error(transparent)]
    /// The output could not be written; the previous output is untouched.
    Write(#[from] WriteError),
}

impl From<RenderError> for BuildError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Content(d) => BuildError::Content(finish(d)),
            RenderError::Write(w) => BuildError::Write(w),
        }
    }
}

/// What is kept between builds of one site (`serve`): parsed files and
/// made items, each reused only while what it was made from is unchanged.
#[derive(Default)]
pub(crate) struct Caches {
    pub(crate) parse: content::ParseCache,
    pub(crate) model: crate::site::ModelCache,
}

/// Loads the configuration, theme and content, and builds the model.
pub fn prepare(opts: &BuildOptions, progress: &dyn Progress) -> Result<Prepared, Vec<Diagnostic>> {
    prepare_cached(opts, progress, &mut Caches::default())
}

/// [`prepare`], reusing and refilling `caches`.
pub(crate) fn prepare_cached(
    opts: &BuildOptions,
    progress: &dyn Progress,
    caches: &mut Caches,
) -> Result<Prepared, Vec<Diagnostic>> {
    let mut timings = Vec::new();
    let mut clock = Clock::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = Clock::now();
    };
    let mut config = Config::load(&opts.root)?;
    if let Some(url) = &opts.base_url {
        config.set_base_url(url).map_err(|m| {
            vec![
                Diagnostic::error("--base-url", m)
                    .hint("写成以 http:// 或 https:// 开头的完整网址"),
            ]
        })?;
    }
    let now = match &opts.now {
        None => time::now(config.timezone),
        Some(text) => time::parse(text, config.timezone).ok_or_else(|| {
            vec![
                Diagnostic::error("--now", format!("无法识别的时间 “{text}”"))
                    .hint("写成 2026-11-21T12:00:00+08:00、2026-11-21 12:00 或 2026-11-21"),
            ]
        })?,
    };
    let theme = Theme::load(&opts.root, &config);
    lap("配置与主题", &mut timings);
    progress.start("读取内容", 0);
    let (content, mut diags) = content::load_cached(&opts.root, config.timezone, &mut caches.parse);
    progress.finish();
    lap("读取内容", &mut timings);
    let gate = Gate {
        scope: opts.scope,
        now,
        drafts: opts.drafts,
        future: opts.future,
        preview: opts.preview,
        check: opts.check,
    };
    let md = Markdown::new(!config.markdown.unsafe_html, config.markdown.highlight);
    let site = Site::build_cached(&opts.root, config, content, gate, &md, &mut caches.model);
    lap("建立模型与 Markdown", &mut timings);
    // Pulled feeds come from the cache `dangjian pull` filled: no network.
    let site = site.map(|mut s| {
        s.pulled = crate::pull::load(&opts.root, &s.config, &s.gate);
        s
    });
    lap("读取上下联动缓存", &mut timings);
    match (site, theme) {
        (Ok(site), Ok(theme)) if diags.is_empty() => Ok(Prepared {
            site,
            theme,
            timings,
        }),
        (site, theme) => {
            diags.extend(site.err().unwrap_or_default());
            diags.extend(theme.err().unwrap_or_default());
            Err(finish(diags))
        }
    }
}

/// Loads, models and renders the site into `sink`.
pub fn render_site(
    opts: &BuildOptions,
    progress: &dyn Progress,
    sink: &dyn Sink,
) -> Result<Prepared, BuildError> {
    let mut p = prepare(opts, progress).map_err(BuildError::Content)?;
    let clock = Clock::now();
    let mode = if opts.check {
        crate::images::plan::Mode::Plan
    } else {
        crate::images::plan::Mode::Build
    };
    let images = process_images(&p.site, &p.theme, mode, progress)?;
    p.timings.push(("处理图片", clock.elapsed()));
    let clock = Clock::now();
    let report = render::render(&p.site, &p.theme, &images, progress, sink)?;
    p.timings.push(("渲染并写入临时文件夹", clock.elapsed()));
    p.timings.push(("  其中订阅源", report.feeds_time));
    Ok(p)
}

/// The image stage: every published image made (or found in the cache).
pub(crate) fn process_images(
    site: &Site,
    theme: &Theme,
    mode: crate::images::plan::Mode,
    progress: &dyn Progress,
) -> Result<crate::images::Outputs, BuildError> {
    progress.start("处理图片", 0);
    let result = crate::images::run(site, theme, mode);
    progress.finish();
    result.map_err(|d| BuildError::Content(finish(d)))
}

fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostic::sort(&mut diags);
    diags.dedup();
    diags
}

/// Builds the site and replaces the output folder when everything succeeded.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, BuildError> {
    let start = Clock::now();
    // Resolved once (links and `..` followed on what exists): the path
    // checked is the path replaced.
    let out = crate::output::real_path(&opts.out_dir());
    crate::output::check_out_dir(&opts.root, &out).map_err(|d| BuildError::Content(vec![d]))?;
    let Prepared {
        site,
        theme,
        mut timings,
    } = prepare(opts, progress).map_err(BuildError::Content)?;
    let clock = Clock::now();
    let images = process_images(&site, &theme, crate::images::plan::Mode::Build, progress)?;
    timings.push(("处理图片", clock.elapsed()));
    let clock = Clock::now();
    let staging = Staging::new(&out, &opts.root)?;
    let report = render::render(&site, &theme, &images, progress, &staging)?;
    timings.push(("渲染并写入临时文件夹", clock.elapsed()));
    timings.push(("  其中订阅源", report.feeds_time));
    timings.push(("  同时建立搜索索引", report.search_time));
    let clock = Clock::now();
    let (written, _) = staging.counts();
    staging.commit()?;
    timings.push(("替换输出文件夹", clock.elapsed()));
    crate::images::plan::prune(&opts.root, &images);
    Ok(BuildReport {
        stats: site.stats,
        files: report.files.len(),
        written,
        out,
        now: site.gate.now,
        next_change: site.next_change,
        pii_allowed: site.pii_allowed.clone(),
        warnings: site.warnings.clone(),
        pulled: site.pulled.notes(),
        images_made: images.made,
        images_reused: images.reused,
        timings,
        total: start.elapsed(),
    })
}
