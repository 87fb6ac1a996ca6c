//! The `dangjian` command: parse arguments, call the library, report, exit.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use dangjian::cli::{Cli, Command};

// glibc's allocator spent about a third of a build's cycles under rayon's
// threads (allocation-heavy template rendering); mimalloc scales with them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use dangjian::render::Progress;
use dangjian::{BuildError, Diagnostic, errln, outln};

/// Progress on a terminal; hidden when stdout is not one.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if !std::io::stdout().is_terminal() || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        let style = if total > 0 {
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                .map(|s| s.progress_chars("=> "))
        } else {
            ProgressStyle::with_template("{spinner} {msg}…")
        };
        if let Ok(style) = style {
            self.0.set_style(style);
        }
        self.0.reset();
        self.0.set_length(total);
        self.0.set_message(stage.to_string());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        errln!("{d}");
    }
}

/// clap's usage errors, told in Chinese.
fn usage_error(err: &clap::Error) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let ctx = |k| err.get(k).map(|v| v.to_string()).unwrap_or_default();
    let what = match err.kind() {
        ErrorKind::UnknownArgument => format!("无法识别的参数 “{}”", ctx(ContextKind::InvalidArg)),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "参数 {} 的取值 “{}” 无效{}",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::InvalidValue),
            match ctx(ContextKind::ValidValue) {
                v if v.is_empty() => String::new(),
                v => format!("（可用：{v}）"),
            }
        ),
        ErrorKind::InvalidSubcommand => {
            format!("无法识别的命令 “{}”", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令（build、serve、check、new、deploy 或 pull）".to_string()
        }
        ErrorKind::MissingRequiredArgument => {
            format!("缺少必需的参数 {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::ArgumentConflict => format!(
            "参数 {} 不能与其他参数同时使用",
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("参数 {} 的取值个数不对", ctx(ContextKind::InvalidArg))
        }
        _ => err.to_string().trim().to_string(),
    };
    format!("错误：{what}\n  提示：运行 dangjian --help 或 dangjian build --help 查看用法")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            errln!("{}", usage_error(&e));
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Build(args) => build(&args),
        Command::New(args) => new(&args),
        Command::Deploy(args) => deploy(&args),
        Command::Serve(args) => match dangjian::serve::run(args.options()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                errln!("错误：{e}");
                ExitCode::FAILURE
            }
        },
        Command::Pull(args) => pull(&args),
        Command::Check(args) => check(&args),
    }
}

/// `dangjian build`: the summary and warnings on stdout, problems on
/// stderr.
fn build(args: &dangjian::cli::BuildArgs) -> ExitCode {
    let opts = args.options();
    match dangjian::build(&opts, &Bar::new()) {
        Ok(r) => {
            let s = r.stats;
            outln!(
                "构建完成：发布 {} 篇内容，输出 {} 个文件（{}），用时 {:.2} 秒 → {}",
                s.published,
                r.files,
                if r.written == r.files {
                    "全部新写入".to_string()
                } else {
                    format!("{} 个新增或有变化，其余与上次相同", r.written)
                },
                r.total.as_secs_f64(),
                r.out.display()
            );
            if s.drafts + s.embargoed + s.out_of_scope > 0 {
                outln!(
                    "未发布：草稿 {} 篇，未到发布时间 {} 篇，不在本次发布范围 {} 篇（以 {} 为准）",
                    s.drafts,
                    s.embargoed,
                    s.out_of_scope,
                    r.now.format("%Y-%m-%d %H:%M")
                );
            }
            if r.images_made + r.images_reused > 0 {
                outln!(
                    "图片：新处理 {} 个文件，从缓存取用 {} 个（{}）",
                    r.images_made,
                    r.images_reused,
                    dangjian::images::cache::CACHE_DIR
                );
            }
            print_diagnostics(&r.warnings);
            for (path, reason) in &r.pii_allowed {
                outln!("个人信息放行：{}（理由：{reason}）", path.display());
            }
            if let Some(line) = &r.pulled.line {
                outln!("{line}");
            }
            print_diagnostics(&r.pulled.warnings);
            match r.next_change {
                Some(c) => outln!(
                    "下次需要重新构建：{}（{}），见 build.json",
                    c.at.format("%Y-%m-%d %H:%M"),
                    c.kind.label()
                ),
                None => outln!("在内容变化之前无需重新构建"),
            }
            if args.verbose {
                for (stage, t) in &r.timings {
                    outln!("  {stage}：{:.1} 毫秒", t.as_secs_f64() * 1000.0);
                }
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Content(diags)) => {
            print_diagnostics(&diags);
            errln!("{}", BuildError::Content(diags));
            ExitCode::FAILURE
        }
        Err(e) => {
            errln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}

/// `dangjian new`: the new file's path and what to do next.
fn new(args: &dangjian::cli::NewArgs) -> ExitCode {
    match dangjian::scaffold::create(&args.request()) {
        Ok(path) => {
            outln!("已创建 {}（草稿）", path.display());
            outln!(
                "写完后把 draft: true 改为 false，再运行 dangjian build 发布；边写边预览可用 dangjian serve"
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            errln!("{d}");
            ExitCode::FAILURE
        }
    }
}

/// `dangjian deploy`: progress and summary on stdout.
fn deploy(args: &dangjian::cli::DeployArgs) -> ExitCode {
    let progress = std::io::stderr().is_terminal();
    match dangjian::deploy::run(&args.options(progress), &|s| outln!("{s}")) {
        Ok(r) => {
            outln!("{}", r.summary);
            ExitCode::SUCCESS
        }
        Err(dangjian::deploy::DeployError::Config(diags)) => {
            print_diagnostics(&diags);
            ExitCode::FAILURE
        }
        Err(e) => {
            errln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}

/// `dangjian check`: every problem, as text or JSON; fails on errors only.
fn check(args: &dangjian::cli::CheckArgs) -> ExitCode {
    let sink = dangjian::output::NullSink;
    let mut diags = match dangjian::render_site(&args.options(), &dangjian::render::Quiet, &sink) {
        Ok(p) => p.site.warnings,
        Err(BuildError::Content(d)) => d,
        Err(e) => vec![Diagnostic::error(args.site.root.clone(), e.to_string())],
    };
    let (sources, warnings) = dangjian::pull::health::check(&args.site.root, args.now.as_deref());
    diags.extend(warnings);
    if !args.json {
        for s in &sources {
            outln!("{s}");
        }
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&diags).unwrap_or_default()
        );
    } else if diags.is_empty() {
        outln!("检查通过：没有发现问题");
    } else if !diags.iter().any(Diagnostic::is_error) {
        print_diagnostics(&diags);
        outln!("检查通过：有 {} 个警告", diags.len());
    } else {
        print_diagnostics(&diags);
        errln!("共发现 {} 个问题", diags.len());
    }
    if diags.iter().any(Diagnostic::is_error) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `dangjian pull`: failures on stderr, a summary on stdout; fails only
/// when nothing could be pulled at all.
fn pull(args: &dangjian::cli::PullArgs) -> ExitCode {
    let report = match dangjian::pull::run(&args.options(), &Bar::new()) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&diags);
            return ExitCode::FAILURE;
        }
    };
    if report.results.is_empty() {
        outln!("site.yaml 中没有 sources，无需拉取");
        return ExitCode::SUCCESS;
    }
    for r in &report.results {
        match r.outcome {
            dangjian::pull::Outcome::Failed { .. } => errln!("警告：{r}"),
            _ if args.verbose => outln!("{r}"),
            _ => {}
        }
    }
    outln!(
        "拉取完成：{} 个来源，更新 {} 个，未变化 {} 个，失败 {} 个，用时 {:.1} 秒 → {}",
        report.results.len(),
        report.updated(),
        report.not_modified(),
        report.failed(),
        report.took.as_secs_f64(),
        dangjian::pull::CACHE_DIR
    );
    if report.failed() == report.results.len() {
        errln!("错误：所有来源都拉取失败（缓存中保留了上次的内容；请检查网络）");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
