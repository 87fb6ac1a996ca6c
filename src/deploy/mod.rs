//! `dangjian deploy`: publish the built output to object storage, FTP, SFTP,
//! WebDAV or a folder, uploading only what changed, in an order that keeps
//! the live site whole, and resuming cleanly after an interruption.
//!
//! Flow: [`config`] picks the target and its credentials; the output is
//! hashed ([`manifest::scan`]); [`remote`] reads the target's manifest and
//! journal (or lists it); [`plan`] decides, purely, what to upload and
//! delete; [`executor`] carries it out; [`report`] tells the editor.

pub(crate) mod config;
mod credentials;
mod executor;
mod headers;
mod manifest;
mod plan;
mod remote;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::diagnostic::Diagnostic;
use config::Target;
use manifest::{Entry, scan};
use plan::RemoteState;
use remote::ManifestRead;

/// Validated options of `dangjian deploy`.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub(crate) root: PathBuf,
    /// The built output; `root/output` when `None`.
    pub(crate) out: Option<PathBuf>,
    /// `--target NAME`; the first `deploy:` entry when `None`.
    pub(crate) target: Option<String>,
    pub(crate) dry_run: bool,
    /// Refuse a deploy that would delete more files than this.
    pub(crate) max_deletes: usize,
    /// Upload every file, whatever the target holds.
    pub(crate) force: bool,
    /// Parallel transfers.
    pub(crate) jobs: usize,
    /// Name every file uploaded and deleted.
    pub(crate) verbose: bool,
    /// Draw a progress bar (on a terminal).
    pub(crate) progress: bool,
}

/// What a finished (or dry) deploy reports.
#[derive(Debug, Clone)]
pub struct DeployReport {
    /// The closing line, in Chinese.
    pub summary: String,
}

/// Why a deploy stopped. Nothing on the target was changed by the errors
/// raised before uploading (configuration, scope, deletion limit).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("site.yaml 有 {} 个问题", .0.len())]
    /// The `deploy:` settings have problems (each with file, line and field).
    Config(Vec<Diagnostic>),
    #[error(
        "site.yaml 里没有发布目标\n  提示：在 site.yaml 中加入，例如：\ndeploy:\n  - name: oss\n    type: oss\n    bucket: www\n    region: cn-hangzhou\n    public: true"
    )]
    /// site.yaml names no deploy target.
    NoTarget,
    #[error("没有名为 “{name}” 的发布目标\n  提示：site.yaml 中的发布目标有：{known}")]
    /// The target named on the command line is not in site.yaml.
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The names site.yaml has, listed.
        known: String,
    },
    #[error("{0}")]
    /// The output folder is missing or not a finished build.
    Output(String),
    #[error(
        "拒绝发布：输出文件夹是 {scope} 范围的构建（含非公开内容），而目标 “{target}” 是公开网站（public: true）\n  提示：公开网站请用 dangjian build（默认 --scope public）重新构建；内网目标请在 site.yaml 中写 public: false"
    )]
    /// A non-public build aimed at a public target.
    Scope {
        /// The output's scope (party, unit).
        scope: String,
        /// The target's name.
        target: String,
    },
    #[error(
        "这次发布将删除目标上的 {count} 个文件，超过上限 {max}，已停止，目标没有任何改动\n  提示：先用 --dry-run 查看将删除哪些文件；确认无误后加 --max-deletes {count} 重新运行"
    )]
    /// The deploy would delete more files than `--max-deletes` allows.
    TooManyDeletes {
        /// Files the deploy would delete.
        count: usize,
        /// The limit.
        max: usize,
    },
    #[error("{0}")]
    /// A credential is missing from the environment, or written in site.yaml.
    Credentials(String),
    #[error("读取 “{path}” 失败：{source}")]
    /// A local file could not be read.
    Local {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The output could not be read.
    #[error("{0}")]
    Scan(String),
    #[error(
        "“{0}” 在发布过程中被改变（可能同时运行了 dangjian build）；已上传的文件记录在发布日志中\n  提示：等构建结束后重新运行 dangjian deploy，会从中断处继续"
    )]
    /// An output file changed while it was being deployed.
    Changed(PathBuf),
    #[error(
        "{action} “{path}” 失败：{message}\n  提示：检查网络、地址和凭据后重新运行 dangjian deploy；已完成的部分不会重复上传，线上网站仍是完整的旧版本或新版本"
    )]
    /// The target refused or failed an operation.
    Remote {
        /// What was being done, in Chinese (上传, 删除...).
        action: &'static str,
        /// The remote path.
        path: String,
        /// The target's answer.
        message: String,
    },
}

/// Publishes the output to the chosen target. `say` receives notes as
/// they happen (fallbacks, the dry-run plan, files with `verbose`).
pub fn run(opts: &DeployOptions, say: &(dyn Fn(&str) + Sync)) -> Result<DeployReport, DeployError> {
    let start = Instant::now();
    let text =
        std::fs::read_to_string(opts.root.join(crate::config::CONFIG_FILE)).map_err(|e| {
            DeployError::Config(vec![
                Diagnostic::error(
                    crate::config::CONFIG_FILE,
                    format!("无法读取配置文件（{e}）"),
                )
                .hint("用 --root 指定站点目录"),
            ])
        })?;
    crate::config::Config::parse(&text).map_err(DeployError::Config)?;
    let target = pick(config::targets(&text).map_err(DeployError::Config)?, opts)?;
    let out = opts.out.clone().unwrap_or_else(|| opts.root.join("output"));
    let scope = check_output(&out, &target, &opts.root)?;
    let creds = credentials::credentials(&target, &opts.root, &|k| std::env::var(k).ok())
        .map_err(DeployError::Credentials)?;
    let op = remote::operator(&target, &creds, &opts.root).map_err(|m| {
        DeployError::Credentials(format!("无法连接发布目标 “{}”：{m}", target.name))
    })?;
    let local = scan(&out, &headers::CachePolicy::new(&target.cache_control))
        .map_err(|e| DeployError::Scan(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DeployError::Output(format!("无法启动发布任务：{e}")))?;
    runtime.block_on(async {
        let (state, clean) = read_state(&op, target.kind, &local, opts, say).await?;
        let entries: std::collections::BTreeMap<String, Entry> = local
            .iter()
            .map(|(p, l)| (p.clone(), l.entry.clone()))
            .collect();
        let plan = plan::plan(&entries, &state, opts.force);
        if plan.deletes.len() > opts.max_deletes {
            return Err(DeployError::TooManyDeletes {
                count: plan.deletes.len(),
                max: opts.max_deletes,
            });
        }
        if opts.dry_run {
            say(&report::dry_run(&plan, &target.name));
            return Ok(report(&target, 0, 0, 0, plan.unchanged, start, true));
        }
        let nothing_to_do = clean && plan.uploads.is_empty() && plan.deletes.is_empty();
        let exec = executor::Executor {
            op: &op,
            kind: target.kind,
            local: &local,
            run: run_id(),
            scope: scope.clone(),
            jobs: opts.jobs,
            progress: opts.progress,
            say,
            verbose: opts.verbose,
        };
        let done = if nothing_to_do {
            executor::Done::default()
        } else {
            exec.execute(&plan, true).await?
        };
        Ok(report(
            &target,
            done.uploaded,
            done.bytes,
            done.deleted,
            plan.unchanged,
            start,
            false,
        ))
    })
}

fn report(
    t: &Target,
    uploaded: usize,
    bytes: u64,
    deleted: usize,
    unchanged: usize,
    start: Instant,
    dry: bool,
) -> DeployReport {
    let elapsed = start.elapsed();
    DeployReport {
        summary: if dry {
            format!("试运行结束（目标 {}）：没有上传或删除任何文件", t.name)
        } else {
            report::summary(&t.name, uploaded, bytes, deleted, unchanged, elapsed)
        },
    }
}

/// What the target holds: its manifest and any journal; without a
/// manifest, a listing. Returns whether the manifest alone was exact.
async fn read_state(
    op: &opendal::Operator,
    kind: config::Kind,
    local: &std::collections::BTreeMap<String, manifest::LocalFile>,
    opts: &DeployOptions,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(RemoteState, bool), DeployError> {
    let err = |action: &'static str, path: &str| {
        let path = path.to_string();
        move |e: opendal::Error| DeployError::Remote {
            action,
            path,
            message: e.to_string(),
        }
    };
    let manifest = remote::read_manifest(op)
        .await
        .map_err(err("读取清单", manifest::MANIFEST))?;
    let journal = remote::read_journal(op)
        .await
        .map_err(err("读取发布日志", manifest::JOURNAL_DIR))?;
    let found = match &manifest {
        ManifestRead::Found(m) => Some(m),
        ManifestRead::Missing if journal.is_empty() => {
            say("目标上没有发布清单（第一次发布？），改为列出目标上的文件进行比较");
            None
        }
        ManifestRead::Unreadable => {
            say("目标上的发布清单无法识别，改为列出目标上的文件进行比较");
            None
        }
        ManifestRead::Missing => None,
    };
    let unfinished = journal.iter().any(|p| found.is_none_or(|m| m.run != p.run));
    let base = match found {
        Some(m) => plan::from_manifest(m),
        None => {
            let s = remote::state_from_listing(op, local)
                .await
                .map_err(err("列出", "/"))?;
            let known = s
                .values()
                .filter(|r| matches!(r, plan::Remote::Known(_)))
                .count();
            if !s.is_empty() && journal.is_empty() {
                say(&format!(
                    "目标上已有 {} 个文件，其中 {known} 个与本地相同（按 ETag 判断），其余将重新上传或删除",
                    s.len()
                ));
            }
            s
        }
    };
    let mut state = plan::remote_state(base, found.map(|m| m.run.as_str()), &journal);
    if unfinished {
        if kind == config::Kind::Ftp {
            let pending: Vec<String> = state
                .iter()
                .filter(|(_, r)| matches!(r, plan::Remote::Unknown(Some(_))))
                .map(|(p, _)| p.clone())
                .collect();
            remote::sweep_ftp_temps(op, &pending)
                .await
                .map_err(err("清理临时文件", "/"))?;
        }
        if matches!(kind, config::Kind::Sftp | config::Kind::Webdav) {
            remote::sweep_rename_temps(op, &journal)
                .await
                .map_err(err("清理临时文件", "/"))?;
        }
        let n = remote::settle(op, &mut state, local, opts.jobs)
            .await
            .map_err(err("核对", "/"))?;
        say(&format!(
            "上次发布没有完成：已按发布日志继续，核对了中断时正在上传的 {n} 个文件"
        ));
    }
    let clean = found.is_some() && journal.is_empty();
    Ok((state, clean))
}

fn pick(targets: Vec<Target>, opts: &DeployOptions) -> Result<Target, DeployError> {
    let known = || {
        targets
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    match &opts.target {
        None => targets.first().cloned().ok_or(DeployError::NoTarget),
        Some(name) => targets
            .iter()
            .find(|t| &t.name == name)
            .cloned()
            .ok_or_else(|| DeployError::UnknownTarget {
                name: name.clone(),
                known: if targets.is_empty() {
                    "（无）".into()
                } else {
                    known()
                },
            }),
    }
}

/// The output must be a dangjian build whose scope the target may carry.
fn check_output(out: &Path, target: &Target, root: &Path) -> Result<String, DeployError> {
    let info = out.join("build.json");
    let text = std::fs::read_to_string(&info).map_err(|_| {
        DeployError::Output(format!(
            "“{}” 不是 dangjian 生成的输出文件夹（缺少 build.json）\n  提示：先运行 dangjian build，或用 --out 指定输出文件夹",
            out.display()
        ))
    })?;
    let scope = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("scope")?.as_str().map(str::to_string))
        .ok_or_else(|| {
            DeployError::Output(format!("“{}” 无法识别（没有 scope）", info.display()))
        })?;
    if target.public && scope != "public" {
        return Err(DeployError::Scope {
            scope,
            target: target.name.clone(),
        });
    }
    if target.kind == config::Kind::Fs {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let dest = abs(&root.join(target.root.as_deref().unwrap_or_default()));
        let out = abs(out);
        if dest.starts_with(&out) || out.starts_with(&dest) {
            return Err(DeployError::Output(format!(
                "发布目标文件夹 “{}” 与输出文件夹 “{}” 重叠",
                dest.display(),
                out.display()
            )));
        }
    }
    Ok(scope)
}

/// A run id that sorts by time: journal parts are read in run order.
fn run_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{ms:013}-{}", std::process::id())
}
