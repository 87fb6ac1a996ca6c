//! `dangjian new`: a new content file with every field of its kind,
//! commented in Chinese, dated now, with an ASCII file name.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::content::{CONTENT_DIR, Kind, slug};
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::time::{self, Instant};

/// What to create.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub(crate) root: PathBuf,
    pub(crate) kind: Kind,
    pub(crate) title: String,
    pub(crate) branch: Option<String>,
    pub(crate) course: Option<String>,
    /// The date to write; the current time when `None`.
    pub(crate) now: Option<String>,
}

/// Writes the file and returns its path (relative to the root).
pub fn create(req: &NewItem) -> Result<PathBuf, Diagnostic> {
    let config = Config::load(&req.root).map_err(|mut d| d.remove(0))?;
    let title = req.title.trim();
    if title.is_empty() {
        return Err(Diagnostic::error("标题", "标题不能为空")
            .hint("例如：dangjian new notice 关于开展主题党日活动的通知"));
    }
    if title.contains(['\n', '"']) {
        return Err(
            Diagnostic::error("标题", "标题中不能有换行或英文双引号").hint("可以改用中文引号“”")
        );
    }
    let now = match &req.now {
        None => time::now(config.timezone),
        Some(t) => time::parse(t, config.timezone)
            .ok_or_else(|| Diagnostic::error("--now", format!("无法识别的时间 “{t}”")))?,
    };
    if let Some(b) = &req.branch {
        let ids = config.organization.ids();
        if !ids.contains(&b.as_str()) {
            return Err(Diagnostic::error(
                "--branch",
                format!("site.yaml 的组织机构中没有编号为 “{b}” 的党组织"),
            )
            .hint(unknown_name_hint(b, &ids)));
        }
    }
    let dir = folder(&req.root, req.kind, req.course.as_deref())?;
    let mut name = slug::from_text(title);
    if name.is_empty() {
        name = "untitled".into();
    }
    // Cut like any derived slug, so the file name is the page's URL.
    let stem = slug::from_ascii(&format!("{}-{name}", now.format("%Y-%m-%d")));
    let rel = dir.join(format!("{stem}.md"));
    let path = req.root.join(&rel);
    let order = next_order(&req.root.join(&dir));
    let text = front_matter(req.kind, title, &now, req.branch.as_deref()).replacen(
        "order: 1 ",
        &format!("order: {order} "),
        1,
    );
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(text.as_bytes())
        });
    match written {
        Ok(()) => Ok(rel),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Diagnostic::error(&rel, "文件已存在，不会覆盖")
                .hint("换一个标题，或直接编辑这个文件"))
        }
        Err(e) => Err(Diagnostic::error(&rel, format!("无法写入（{e}）"))),
    }
}

fn folder(root: &Path, kind: Kind, course: Option<&str>) -> Result<PathBuf, Diagnostic> {
    let base = Path::new(CONTENT_DIR).join(kind.dir());
    let dir = match (kind, course) {
        (Kind::Lesson, None) => {
            return Err(
                Diagnostic::error("--course", "新建课程内容需要指定课程").hint(format!(
                    "用 --course 指定课程文件夹名，现有课程：{}",
                    courses(root).join("、")
                )),
            );
        }
        (Kind::Lesson, Some(c)) => {
            if !crate::content::slug::is_valid(c) {
                return Err(
                    Diagnostic::error("--course", format!("课程文件夹名 “{c}” 不可用"))
                        .hint("课程文件夹名只能包含小写字母、数字、- 和 _，例如 ershida"),
                );
            }
            let dir = base.join(c);
            if !root.join(&dir).join("_index.md").is_file() {
                let known = courses(root);
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                return Err(Diagnostic::error(
                    "--course",
                    format!("没有课程 “{c}”（{} 中没有 _index.md）", dir.display()),
                )
                .hint(unknown_name_hint(c, &names)));
            }
            dir
        }
        (_, Some(_)) => {
            return Err(Diagnostic::error(
                "--course",
                "只有 lesson（学习园地）需要 --course",
            ));
        }
        (_, None) => base,
    };
    std::fs::create_dir_all(root.join(&dir))
        .map_err(|e| Diagnostic::error(&dir, format!("无法创建文件夹（{e}）")))?;
    Ok(dir)
}

/// One more than the highest `order:` of the lessons in `dir`.
fn next_order(dir: &Path) -> u32 {
    let highest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.strip_prefix("order:"))
                .filter_map(|v| v.split('#').next()?.trim().parse::<u32>().ok())
                .collect::<Vec<_>>()
        })
        .max();
    highest.map_or(1, |h| h + 1)
}

fn courses(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join(CONTENT_DIR).join("lessons"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("_index.md").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// The new file's text: the common fields, then the kind's, each explained.
fn front_matter(kind: Kind, title: &str, now: &Instant, branch: Option<&str>) -> String {
    let date = now.format("%Y-%m-%d %H:%M");
    let day = now.format("%Y-%m-%d");
    let branch_line = match branch {
        Some(b) => {
            format!("branch: {b}                     # 发布党组织（site.yaml 组织机构中的编号）")
        }
        None => "# branch: dongcun                # 发布党组织（site.yaml 组织机构中的编号）"
            .to_string(),
    };
    let mut s = format!(
        r#"---
title: "{title}"
date: {date}              # 发布时间；写将来的时间则到时才发布
draft: true                      # 草稿：写完后改为 false（或删除此行）才会发布
scope: public                    # 公开范围：public 公开 | party 党内 | unit 本单位
{branch_line}
# author: 东村党支部              # 作者或发布单位
# summary: 一句话摘要              # 不写则取正文第一段
# tags: [主题党日, 三会一课]        # 标签
# updated: {day}                 # 更新日期
# slug: my-page                   # 网址（只用小写字母、数字和 -），不写则由文件名生成
# cover: cover.jpg                # 封面图片（与本文件放在一起）
# cover_alt: 图片说明              # 封面图片的文字说明，方便视障读者
# aliases: [/old/path.html]       # 旧网址，访问时会跳转到这里
"#
    );
    s.push_str(kind_fields(kind));
    s.push_str("---\n在这里写正文。可以用 ## 小标题、- 列表、表格等 Markdown 格式。\n");
    s
}

/// The fields only `kind` has, explained, most commented out.
fn kind_fields(kind: Kind) -> &'static str {
    match kind {
        Kind::Notice => {
            r#"# expires: 2026-12-31             # 过期时间：过期后标为“已过期”并移出置顶
# pinned: true                     # 置顶（过期前显示在最前面）
level: normal                      # 级别：normal 一般 | important 重要 | urgent 紧急
# attachments:                     # 附件（文件与本文件放在一起）
#   - path: anpai.pdf
#     title: 活动安排表
"#
        }
        Kind::Disclosure => {
            r#"category: 其他                     # 类别：党费收缴 发展党员 民主评议 组织生活 换届选举 决议决定 财务公开 其他
# doc_number: 东村党支字〔2026〕1号  # 文号
# issuer: 中共某某支部委员会         # 发布单位（落款）
# contact: 县委组织部 0633-1234567   # 意见反映方式，不写则用 site.yaml 中的
# period:                          # 公示期；不写 end 则按 site.yaml 的工作日天数计算
#   start: 2026-11-20
#   end: 2026-11-26
# after_period: keep               # 公示期满后：keep 保留 | archive 归档 | withdraw 撤下正文和名单
# persons:                         # 发展党员公示对象（只能写这五项，不要写身份证号、电话）
#   - name: 张三
#     gender: 男
#     age: 30
#     education: 大专
#     stage: 拟列为发展对象
# data: dangfei-2026q3.csv         # 数据文件（CSV 或 .xlsx，与本文件放在一起），显示为表格
# totals: [金额]                    # 合计的列
# mask: {姓名: name, 手机: phone}   # 打码的列：name 姓名 | phone 电话 | id 身份证 | card 银行卡
# columns: {缴费日期: date}         # 列的类型（不写则自动判断）：text | number | money | date
# sort: [支部, 金额 降序]           # 排序
# meeting:                         # 组织生活（三会一课、主题党日）
#   type: 党员大会
#   held_at: 2026-11-20 15:00
#   expected: 30                   # 应到人数
#   present: 28                    # 实到人数
#   topic: 学习党的二十大精神
"#
        }
        Kind::Lesson => {
            r#"order: 1                           # 在课程中的顺序（不能与其他课重复）
# duration: 30                     # 学习时长（分钟）
# required: true                   # 必学
# objectives:                      # 学习目标
#   - 了解……
# audio: lesson.mp3                # 音频（文件或网址）
# video: lesson.mp4                # 视频（文件或网址）
# quiz:                            # 课后自测
#   - question: 题目
#     options: [选项一, 选项二]
#     answer: 选项一
#     explanation: 解析
"#
        }
        Kind::News => {
            r#"# source: 东村党支部               # 来源
# photographer: 王晓明             # 摄影
"#
        }
        Kind::Page => "",
    }
}
