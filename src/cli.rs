//! Command-line arguments (Chinese help) → validated options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::build::BuildOptions;
use crate::content::Scope;

const HELP_TEMPLATE: &str =
    "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "dangjian",
    version,
    about = "dangjian：党建网站生成器——把 Markdown 写的党建动态、通知公告、学习园地和党务公开生成静态网站",
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "命令",
    next_help_heading = "选项",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// 显示帮助
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成网站到输出文件夹（默认 output/）
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    Build(BuildArgs),
    /// 启动本地预览：保存即自动更新浏览器（显示草稿、定时发布和党内内容）
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    Serve(ServeArgs),
    /// 检查全部内容并列出所有问题，不写入任何文件
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    Check(CheckArgs),
    /// 新建一篇内容（含全部可填字段和中文说明，默认为草稿）
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    New(NewArgs),
    /// 把生成的网站发布到对象存储、FTP、SFTP 或 WebDAV（只上传有变化的文件）
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    Deploy(DeployArgs),
    /// 拉取 site.yaml 中 sources 列出的订阅源（基层动态、上级通知）到本地缓存
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项")]
    Pull(PullArgs),
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// 只拉取这些来源（写 sources 中的 id，可写多个）
    #[arg(long, value_name = "编号", num_args = 1..)]
    pub only: Vec<String>,
    /// 以此时间记入缓存（默认为当前时间；用于测试和重现）
    #[arg(long, value_name = "时间")]
    pub now: Option<String>,
    /// 列出每个来源的结果（默认只列出失败的）
    #[arg(short, long)]
    pub verbose: bool,
}

impl PullArgs {
    pub fn options(&self) -> crate::pull::PullOptions {
        crate::pull::PullOptions {
            root: self.site.root.clone(),
            now: self.now.clone(),
            only: self.only.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// 要发布的输出文件夹（默认为站点根目录下的 output/）
    #[arg(long, value_name = "目录")]
    pub out: Option<PathBuf>,
    /// 发布目标名称（site.yaml 中 deploy 的 name；默认第一个）
    #[arg(long, value_name = "名称")]
    pub target: Option<String>,
    /// 只列出将上传和删除的文件，不做任何改动
    #[arg(long)]
    pub dry_run: bool,
    /// 最多删除的文件数，超过则停止（默认 256）
    #[arg(long, default_value_t = 256, value_name = "数量")]
    pub max_deletes: usize,
    /// 不论目标上已有什么，上传全部文件
    #[arg(long)]
    pub force: bool,
    /// 同时传输的文件数
    #[arg(long, default_value_t = 8, value_name = "数量")]
    pub jobs: usize,
    /// 列出每个上传和删除的文件
    #[arg(short, long)]
    pub verbose: bool,
}

impl DeployArgs {
    pub fn options(&self, progress: bool) -> crate::deploy::DeployOptions {
        crate::deploy::DeployOptions {
            root: self.site.root.clone(),
            out: self.out.clone(),
            target: self.target.clone(),
            dry_run: self.dry_run,
            max_deletes: self.max_deletes,
            force: self.force,
            jobs: self.jobs.max(1),
            verbose: self.verbose,
            progress,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// 党建动态
    News,
    /// 通知公告
    Notice,
    /// 学习园地（需 --course）
    Lesson,
    /// 党务公开
    Disclosure,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// 内容类型
    #[arg(value_enum, value_name = "类型")]
    pub kind: KindArg,
    /// 标题
    #[arg(value_name = "标题")]
    pub title: String,
    /// 发布党组织的编号（见 site.yaml 的 organization）
    #[arg(long, value_name = "编号")]
    pub branch: Option<String>,
    /// 课程文件夹名（新建学习园地内容时必填）
    #[arg(long, value_name = "课程")]
    pub course: Option<String>,
    #[command(flatten)]
    pub site: SiteArgs,
    /// 以此时间作为发布日期（默认为现在）
    #[arg(long, value_name = "时间")]
    pub now: Option<String>,
}

impl NewArgs {
    pub fn request(&self) -> crate::scaffold::NewItem {
        use crate::content::Kind;
        crate::scaffold::NewItem {
            root: self.site.root.clone(),
            kind: match self.kind {
                KindArg::News => Kind::News,
                KindArg::Notice => Kind::Notice,
                KindArg::Lesson => Kind::Lesson,
                KindArg::Disclosure => Kind::Disclosure,
            },
            title: self.title.clone(),
            branch: self.branch.clone(),
            course: self.course.clone(),
            now: self.now.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// 只发布公开内容（对外网站）
    Public,
    /// 另加党内内容（党员内网）
    Party,
    /// 另加本单位内容（本单位内网）
    Unit,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// 站点根目录（含 site.yaml 和 content/）
    #[arg(long, value_name = "目录", default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// 输出文件夹（默认为站点根目录下的 output/）
    #[arg(long, value_name = "目录")]
    pub out: Option<PathBuf>,
    /// 发布范围：public 公开、party 党内、unit 本单位
    #[arg(long, value_enum, default_value = "public", value_name = "范围")]
    pub scope: ScopeArg,
    /// 以此时间为准判断定时发布与过期，如 2026-11-21T12:00:00+08:00 或 "2026-11-21 12:00"
    #[arg(long, value_name = "时间")]
    pub now: Option<String>,
    /// 同时发布草稿（draft: true）
    #[arg(long)]
    pub drafts: bool,
    /// 同时发布日期晚于当前时间（定时发布）的内容
    #[arg(long)]
    pub future: bool,
    /// 覆盖 site.yaml 中的 base_url
    #[arg(long, value_name = "网址")]
    pub base_url: Option<String>,
    /// 显示各阶段用时
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// 端口（被占用时自动改用下一个空闲端口）
    #[arg(long, default_value_t = 1111, value_name = "端口")]
    pub port: u16,
    /// 监听地址；0.0.0.0 允许同一局域网的手机预览（草稿也会对局域网可见）
    #[arg(long, default_value = "127.0.0.1", value_name = "地址")]
    pub bind: std::net::IpAddr,
    /// 保存文件后，浏览器自动打开刚修改的页面
    #[arg(long)]
    pub follow: bool,
    /// 以此时间为准（同 build），默认为当前时间
    #[arg(long, value_name = "时间")]
    pub now: Option<String>,
}

impl ServeArgs {
    pub fn options(&self) -> crate::serve::ServeOptions {
        crate::serve::ServeOptions {
            root: self.site.root.clone(),
            bind: self.bind,
            port: self.port,
            follow: self.follow,
            now: self.now.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// 以 JSON 输出问题列表
    #[arg(long)]
    pub json: bool,
    /// 以此时间为准检查（同 build）
    #[arg(long, value_name = "时间")]
    pub now: Option<String>,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Scope {
        match s {
            ScopeArg::Public => Scope::Public,
            ScopeArg::Party => Scope::Party,
            ScopeArg::Unit => Scope::Unit,
        }
    }
}

impl BuildArgs {
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.site.root.clone(),
            out: self.out.clone(),
            scope: self.scope.into(),
            now: self.now.clone(),
            drafts: self.drafts,
            future: self.future,
            preview: false,
            check: false,
            base_url: self.base_url.clone(),
        }
    }
}

impl CheckArgs {
    /// `check` looks at everything any build would publish, now or later
    /// (drafts, scheduled and 党内/本单位 items), held to what a public
    /// build would refuse.
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            scope: Scope::Unit,
            drafts: true,
            future: true,
            check: true,
            now: self.now.clone(),
            ..BuildOptions::new(self.site.root.clone())
        }
    }
}
