//! Templates and static files: the built-in default theme, overridden
//! file by file by the site's `themes/<name>/` and `static/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::Diagnostic;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../themes/default/templates/", $name)))),*]
    };
}

/// The default theme's templates, compiled into the binary.
const BUILTIN_TEMPLATES: &[(&str, &str)] = builtin!(
    "base.html",
    "partials/item_list.html",
    "partials/item_entry.html",
    "partials/paginator.html",
    "partials/article_meta.html",
    "partials/article_foot.html",
    "partials/status_script.html",
    "partials/print_qr.html",
    "partials/data_table.html",
    "partials/site_identity.html",
    "partials/pulled_list.html",
    "partials/upstream_block.html",
    "partials/jiceng_block.html",
    "partials/branch_pulled.html",
    "jiceng.html",
    "index.html",
    "news.html",
    "notice.html",
    "lesson.html",
    "disclosure.html",
    "page.html",
    "section.html",
    "lessons.html",
    "course.html",
    "tags.html",
    "tag.html",
    "branches.html",
    "branch.html",
    "404.html",
    "feeds.html",
    "search.html",
    "alias.html",
);

/// The default theme's static files, compiled into the binary.
const BUILTIN_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../themes/default/static/style.css"),
    ),
    (
        "site.js",
        include_bytes!("../themes/default/static/site.js"),
    ),
    (
        "search.js",
        include_bytes!("../themes/default/static/search.js"),
    ),
    (
        "search.css",
        include_bytes!("../themes/default/static/search.css"),
    ),
];

/// Where a static file's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum StaticFile {
    Builtin(&'static [u8]),
    /// A file on disk, relative to the site root.
    Disk(PathBuf),
}

/// The templates and static files of a build.
pub struct Theme {
    pub(crate) tera: Tera,
    /// For each template, a hash of its text and of every template it
    /// extends, includes or imports: what a page rendered with it reads.
    pub(crate) fingerprints: BTreeMap<String, u64>,
    /// Output path → source, theme files first, then the site's.
    pub(crate) statics: BTreeMap<String, StaticFile>,
}

impl Theme {
    /// Loads the built-in theme with the site's overrides.
    pub fn load(root: &Path, config: &Config) -> Result<Theme, Vec<Diagnostic>> {
        let theme_dir = Path::new("themes").join(&config.theme);
        if config.theme != "default" && !root.join(&theme_dir).is_dir() {
            return Err(vec![
                Diagnostic::error(
                    crate::config::CONFIG_FILE,
                    format!("找不到主题 “{}”", config.theme),
                )
                .field("theme")
                .hint(format!(
                    "主题应放在 {} 文件夹中；不写 theme 则使用内置的 default 主题",
                    theme_dir.display()
                )),
            ]);
        }
        let mut templates: BTreeMap<String, (String, String)> = BUILTIN_TEMPLATES
            .iter()
            .map(|(name, text)| {
                (
                    name.to_string(),
                    (format!("内置主题/{name}"), text.to_string()),
                )
            })
            .collect();
        let mut diags = Vec::new();
        for rel in files_under(root, &theme_dir.join("templates"), &mut diags) {
            let name = slash(
                rel.strip_prefix(theme_dir.join("templates"))
                    .unwrap_or(&rel),
            );
            match std::fs::read_to_string(root.join(&rel)) {
                Ok(text) => {
                    templates.insert(name, (slash(&rel), text));
                }
                Err(e) => diags.push(Diagnostic::error(&rel, format!("无法读取模板（{e}）"))),
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which makes every URL unreadable.
        tera.set_escape_fn(crate::html::escape);
        let raw: Vec<(&str, &str)> = templates
            .iter()
            .map(|(n, (_, t))| (n.as_str(), t.as_str()))
            .collect();
        if let Err(e) = tera.add_raw_templates(raw) {
            diags.push(template_error(&e, |name| {
                templates.get(name).map(|(p, _)| p.clone())
            }));
        }
        let mut statics: BTreeMap<String, StaticFile> = BUILTIN_STATIC
            .iter()
            .filter(|(name, _)| config.search.enabled || !name.starts_with("search."))
            .map(|(name, bytes)| (name.to_string(), StaticFile::Builtin(bytes)))
            .collect();
        for dir in [theme_dir.join("static"), PathBuf::from("static")] {
            for rel in files_under(root, &dir, &mut diags) {
                let out = slash(rel.strip_prefix(&dir).unwrap_or(&rel));
                statics.insert(out, StaticFile::Disk(rel));
            }
        }
        let texts: BTreeMap<&str, &str> = templates
            .iter()
            .map(|(n, (_, t))| (n.as_str(), t.as_str()))
            .collect();
        let fingerprints = texts
            .keys()
            .map(|name| (name.to_string(), template_fingerprint(name, &texts)))
            .collect();
        if diags.is_empty() {
            Ok(Theme {
                tera,
                fingerprints,
                statics,
            })
        } else {
            Err(diags)
        }
    }
}

impl Theme {
    /// The fingerprint of a template and everything it reads.
    pub(crate) fn template_fingerprint(&self, name: &str) -> u64 {
        self.fingerprints.get(name).copied().unwrap_or(0)
    }
}

/// The templates a template names in `extends`, `include` and `import` tags.
fn template_deps(text: &str) -> Vec<&str> {
    let mut deps = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag.trim_start_matches('-').trim_start();
        let Some(rest) = ["extends", "include", "import"]
            .iter()
            .find_map(|k| tag.strip_prefix(k))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        if let Some(name) = rest[1..].split(quote).next() {
            deps.push(name);
        }
    }
    deps
}

/// A hash of `name`'s text and, recursively, of every template it reads.
fn template_fingerprint(name: &str, texts: &BTreeMap<&str, &str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![name];
    while let Some(n) = stack.pop() {
        if seen.insert(n)
            && let Some(text) = texts.get(n)
        {
            stack.extend(template_deps(text));
        }
    }
    let mut h = rustc_hash::FxHasher::default();
    for n in seen {
        (n, texts.get(n)).hash(&mut h);
    }
    h.finish()
}

/// Files under `root/dir`, relative to `root`, sorted; editor files
/// skipped. Symbolic links (the folder itself or anything in it) are
/// refused: a `static -> /etc` link must not publish another folder.
fn files_under(root: &Path, dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let top = root.join(dir);
    // Every existing part of the path from the root must be a real folder.
    let mut part = root.to_path_buf();
    for c in dir.components() {
        part.push(c);
        match std::fs::symlink_metadata(&part) {
            Ok(m) if m.file_type().is_symlink() => {
                diags.push(
                    Diagnostic::error(dir, "主题和静态文件夹不能是符号链接")
                        .hint("请把文件直接复制到这个文件夹中"),
                );
                return out;
            }
            Ok(_) => {}
            Err(_) => return out,
        }
    }
    let walker = WalkDir::new(&top)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !crate::content::is_ignored(&e.file_name().to_string_lossy())
        });
    for e in walker.filter_map(Result::ok) {
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .to_path_buf();
        if e.path_is_symlink() {
            diags.push(
                Diagnostic::error(&rel, "主题和静态文件夹中不能使用符号链接")
                    .hint("请把文件直接复制到这个文件夹中"),
            );
        } else if e.file_type().is_file() {
            out.push(rel);
        }
    }
    out
}

fn slash(p: &Path) -> String {
    crate::site::links::slash_path(p)
}

/// A Tera error as a diagnostic naming the template file and line.
pub(crate) fn template_error(
    err: &tera::Error,
    file_of: impl Fn(&str) -> Option<String>,
) -> Diagnostic {
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let text = chain.join("\n");
    let name = text
        .split(['\'', '`'])
        .nth(1)
        .filter(|n| n.ends_with(".html") || n.ends_with(".xml"))
        .unwrap_or("")
        .to_string();
    let line = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok());
    let path = file_of(&name).unwrap_or_else(|| {
        if name.is_empty() {
            "模板".into()
        } else {
            name.clone()
        }
    });
    let joined = chain.join("；");
    let message: Vec<&str> = joined.split_whitespace().collect();
    Diagnostic::error(path, format!("模板错误：{}", message.join(" ")))
        .at_line(line)
        .hint("检查模板语法（{{ }} 与 {% %} 是否成对、变量名是否写对）")
}
