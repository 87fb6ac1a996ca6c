//! The image stage of a build: which image files the built site holds
//! (from what the model recorded: the images of published items and
//! sections, and the raster files of `static/`), each made once from the
//! cache or, when missing, by [`super::process`] in parallel.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::ImageUse;
use super::cache::Cache;
use super::probe::{self, Probe};
use super::process::{self, Recipe};
use crate::diagnostic::Diagnostic;
use crate::site::Site;
use crate::theme::{StaticFile, Theme};

/// One image file of the built site.
#[derive(Debug, Clone)]
pub(crate) struct ImageFile {
    /// Output path, `/`-separated.
    pub(crate) path: String,
    /// Its bytes: a file of the cache folder (absolute), or for a plan
    /// without processing (`check`) the source itself.
    pub(crate) data: PathBuf,
    /// The source image, relative to the site root.
    pub(crate) source: PathBuf,
}

/// What the image stage produced.
#[derive(Debug, Default)]
pub struct Outputs {
    /// Every image file, sorted by output path.
    pub(crate) files: Vec<ImageFile>,
    /// Output paths where originals would have been copied as they are:
    /// never copied (the files above stand for them).
    pub(crate) replaced: HashSet<String>,
    /// Files encoded or stripped now, and files taken from the cache.
    pub(crate) made: usize,
    pub(crate) reused: usize,
    /// Cache files this build used (pruning keeps them).
    used: HashSet<PathBuf>,
    /// Stamp names of the sources (the stamp list keeps them).
    live: HashSet<String>,
}

/// Whether to make the files or only name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `check`: the files are listed (for collisions), nothing is decoded.
    Plan,
    Build,
}

/// The files to make from one source.
struct Job {
    /// Relative to the site root.
    source: PathBuf,
    probe: Probe,
    /// Output path → how it is made.
    outputs: BTreeMap<String, Recipe>,
    /// Who uses it: file, field, line (for errors).
    user: (PathBuf, String, Option<usize>),
}

impl Job {
    /// An error reported on the item (and field) that uses the image.
    fn error(&self, message: String, hint: &str) -> Diagnostic {
        let (user, field, line) = &self.user;
        let d = Diagnostic::error(user, message)
            .at_line(*line)
            .hint(hint.to_string());
        if field.is_empty() {
            d
        } else {
            d.field(field.clone())
        }
    }

    fn read_error(&self, e: &std::io::Error) -> Diagnostic {
        self.error(
            format!(
                "无法读取图片 “{}”：{}",
                self.source.display(),
                crate::diagnostic::io_reason(e)
            ),
            "检查文件是否还在、能否打开",
        )
    }

    fn new(source: &Path, probe: Probe, user: (PathBuf, String, Option<usize>)) -> Job {
        Job {
            source: source.to_path_buf(),
            probe,
            outputs: BTreeMap::new(),
            user,
        }
    }
}

/// Every image the built site publishes, with the output paths they stand for.
fn jobs(site: &Site, theme: &Theme) -> (Vec<Job>, HashSet<String>, Vec<Diagnostic>) {
    let mut jobs: BTreeMap<PathBuf, Job> = BTreeMap::new();
    let mut replaced = HashSet::new();
    let mut diags = Vec::new();
    let sections = std::iter::once(&site.home)
        .chain(site.sections.values())
        .chain(site.courses.iter().map(|c| &c.section));
    let uses = site
        .items
        .iter()
        .filter(|i| !i.withdrawn)
        .flat_map(|i| &i.images)
        .chain(sections.flat_map(|s| &s.images));
    for u in uses {
        add_use(&mut jobs, &mut replaced, u);
    }
    for (path, file) in &theme.statics {
        let StaticFile::Disk(rel) = file else {
            continue;
        };
        if !probe::is_raster_name(rel) {
            continue;
        }
        let probed = std::fs::File::open(site.root.join(rel))
            .and_then(|f| probe::probe(&mut std::io::BufReader::new(f)));
        let p = match probed {
            Ok(p) if p.is_processed() => p,
            // A GIF is copied as it is (it may be animated; it has no EXIF).
            Ok(p) if p.format == probe::Format::Gif && p.problem.is_none() => continue,
            Ok(p) => {
                let (msg, hint) = super::problem_message(&p, path);
                diags.push(Diagnostic::error(rel, msg).hint(hint));
                continue;
            }
            Err(e) => {
                diags.push(Diagnostic::error(
                    rel,
                    format!("无法读取：{}", crate::diagnostic::io_reason(&e)),
                ));
                continue;
            }
        };
        // The site's own files keep their names and pixels (stylesheets
        // may name them); only their metadata goes.
        let job = jobs
            .entry(rel.clone())
            .or_insert_with(|| Job::new(rel, p, (rel.clone(), String::new(), None)));
        job.outputs.insert(path.clone(), Recipe::Strip);
        replaced.insert(path.clone());
    }
    // `share_image:` or `logo:` naming a photo of the content: its
    // original's address gets the largest variant, so the link works.
    let config = &site.config;
    for named in [&config.share_image, &config.logo].into_iter().flatten() {
        let out = named.trim_start_matches('/');
        for job in jobs.values_mut() {
            let top = super::variants(out, &job.probe).last().map(|v| v.width);
            if replaced.contains(out)
                && !job.outputs.contains_key(out)
                && job.outputs.keys().any(|o| is_variant_of(o, out))
                && let Some(top) = top
            {
                job.outputs.insert(out.to_string(), Recipe::Resize(top));
            }
        }
    }
    (jobs.into_values().collect(), replaced, diags)
}

/// Whether `path` is one of the variants named after `original`.
fn is_variant_of(path: &str, original: &str) -> bool {
    let stem = original.rsplit_once('.').map_or(original, |(s, _)| s);
    path.strip_prefix(stem)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|r| {
            r.split('.')
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
        })
}

fn add_use(jobs: &mut BTreeMap<PathBuf, Job>, replaced: &mut HashSet<String>, u: &ImageUse) {
    if !u.probe.is_processed() {
        return;
    }
    let job = jobs.entry(u.source.clone()).or_insert_with(|| {
        Job::new(
            &u.source,
            u.probe,
            (u.user.clone(), u.field.clone(), u.line),
        )
    });
    for v in super::variants(&u.out, &u.probe) {
        job.outputs.insert(v.path, Recipe::Resize(v.width));
    }
    for v in super::webp_variants(&u.out, &u.probe) {
        job.outputs.insert(v.path, Recipe::Webp(v.width));
    }
    if u.keep {
        job.outputs.insert(u.out.clone(), Recipe::Strip);
    }
    replaced.insert(u.out.clone());
}

/// Runs the image stage for `site`: in [`Mode::Build`], every missing
/// file is made into the cache. Errors name the file that uses the image.
pub fn run(site: &Site, theme: &Theme, mode: Mode) -> Result<Outputs, Vec<Diagnostic>> {
    let (jobs, replaced, diags) = jobs(site, theme);
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut out = Outputs {
        replaced,
        ..Outputs::default()
    };
    if mode == Mode::Plan {
        for job in &jobs {
            for path in job.outputs.keys() {
                out.files.push(ImageFile {
                    path: path.clone(),
                    data: job.source.clone(),
                    source: job.source.clone(),
                });
            }
        }
        out.files.sort_by(|a, b| a.path.cmp(&b.path));
        return Ok(out);
    }
    let cache = Cache::open(&site.root);
    let results: Vec<Result<Made, Diagnostic>> = jobs
        .par_iter()
        .map(|job| make_job(&cache, &site.root, job))
        .collect();
    let mut diags = Vec::new();
    for r in results {
        match r {
            Ok(made) => {
                out.made += made.made;
                out.reused += made.reused;
                out.used.extend(made.files.iter().map(|f| f.data.clone()));
                out.files.extend(made.files);
            }
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    out.live = jobs.iter().map(|j| stamp_name(&j.source)).collect();
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    // Losing the stamp list only costs hashing again next time.
    let _ = cache.save(&out.live);
    Ok(out)
}

/// After a successful build: removes cache files unused for a week.
pub(crate) fn prune(root: &Path, outputs: &Outputs) -> usize {
    Cache::open(root).prune(&outputs.used)
}

struct Made {
    files: Vec<ImageFile>,
    made: usize,
    reused: usize,
}

fn stamp_name(source: &Path) -> String {
    crate::site::links::slash_path(source)
}

fn make_job(cache: &Cache, root: &Path, job: &Job) -> Result<Made, Diagnostic> {
    let name = stamp_name(&job.source);
    // Never through a symbolic link swapped in after the content walk.
    let read = || -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut crate::output::open_inside(root, &job.source)?,
            &mut bytes,
        )?;
        Ok(bytes)
    };
    let (hash, mut bytes) = (cache.content_hash(&name, &root.join(&job.source), read))
        .map_err(|e| job.read_error(&e))?;
    let source_ext = job
        .source
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target =
        |r: &Recipe| cache.file_for(&hash, &r.key(&job.probe), &r.ext(&job.probe, &source_ext));
    let mut missing: Vec<Recipe> = job
        .outputs
        .values()
        .filter(|r| !target(r).is_file())
        .copied()
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        let data = match bytes.take() {
            Some(b) => b,
            None => read().map_err(|e| job.read_error(&e))?,
        };
        let made = process::make(&data, &job.probe, &missing).map_err(|e| {
            job.error(
                format!("图片 “{}”：{e}", job.source.display()),
                process_hint(&e),
            )
        })?;
        for (recipe, data) in missing.iter().zip(made) {
            cache.write(&target(recipe), &data).map_err(|e| {
                job.error(
                    format!(
                        "无法写入图片缓存 “{}”：{}",
                        cache.dir().display(),
                        crate::diagnostic::io_reason(&e)
                    ),
                    "检查磁盘空间和站点文件夹的写入权限",
                )
            })?;
        }
    }
    let files: Vec<ImageFile> = job
        .outputs
        .iter()
        .map(|(p, r)| ImageFile {
            path: p.clone(),
            data: target(r),
            source: job.source.clone(),
        })
        .collect();
    let distinct: HashSet<&PathBuf> = files.iter().map(|f| &f.data).collect();
    for f in &distinct {
        cache.touch(f);
    }
    Ok(Made {
        made: missing.len(),
        reused: distinct.len() - missing.len(),
        files,
    })
}

/// How to fix an image that could not be processed, in Chinese.
fn process_hint(e: &process::ProcessError) -> &'static str {
    match e {
        process::ProcessError::Truncated => "文件可能没有复制或上传完；请从手机或相机重新复制原图",
        process::ProcessError::Metadata(_) => "这是 dangjian 的缺陷，请报告；图片没有发布",
        _ => "用看图软件打开检查；请另存为 JPEG 或 PNG 后再试",
    }
}
