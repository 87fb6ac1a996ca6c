//! `sources:` and `pull:` in site.yaml → validated [`Source`]s and [`PullSettings`].
//!
//! Called from [`crate::config::Config::parse`]; every problem names
//! site.yaml, the line and the key, like the rest of the configuration.

use std::collections::BTreeMap;

use marked_yaml::Node;
use serde::{Deserialize, Serialize};

use crate::config::{CONFIG_FILE, OrgNode};
use crate::content::Kind;
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::yaml::{self, Doc};

const SOURCE_KEYS: &[&str] = &[
    "id",
    "url",
    "branch",
    "upstream",
    "name",
    "kinds",
    "categories",
    "limit",
    "max_age_days",
    "full_text",
];
const PULL_KEYS: &[&str] = &[
    "timeout_seconds",
    "concurrency",
    "per_host",
    "retries",
    "retry_after_max_seconds",
    "max_kb",
    "stale_days",
];

/// Entries shown per source when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;

/// Whose entries a source carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Target {
    /// A branch of the org tree (its 基层动态), by id.
    Branch(String),
    /// The level above (上级通知).
    Upstream,
}

/// One validated entry of `sources:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub(crate) struct Source {
    /// Unique; also the cache file's name.
    pub(crate) id: String,
    /// The feed URL (http or https).
    pub(crate) url: String,
    pub(crate) target: Target,
    /// A display name; else the branch's name (or, upstream, the feed's title).
    pub(crate) name: Option<String>,
    /// Kinds to take (empty: all), recognised by the entry's URL
    /// (`/notices/…`) or a category naming the kind.
    pub(crate) kinds: Vec<Kind>,
    /// Categories to take (empty: all), matched against the entry's categories.
    pub(crate) categories: Vec<String>,
    /// The newest entries shown, at most.
    pub(crate) limit: usize,
    /// Entries older than this many days at the build's instant are not shown.
    pub(crate) max_age_days: Option<u32>,
    /// The source allows its full text to be copied (else title and summary only).
    pub(crate) full_text: bool,
    /// Line of the entry in site.yaml, for diagnostics.
    pub(crate) line: Option<usize>,
}

impl Source {
    pub(crate) fn branch(&self) -> Option<&str> {
        match &self.target {
            Target::Branch(b) => Some(b),
            Target::Upstream => None,
        }
    }

    pub(crate) fn is_upstream(&self) -> bool {
        self.target == Target::Upstream
    }
}

/// How `dangjian pull` fetches (`pull:` in site.yaml).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct PullSettings {
    /// Per request, connection to last byte.
    pub(crate) timeout_seconds: u64,
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    /// Requests in flight at once to one server (host and port).
    pub(crate) per_host: usize,
    /// Further tries after a timeout, a network error, 429 or 5xx.
    pub(crate) retries: u32,
    /// The longest `Retry-After` waited for within one pull.
    pub(crate) retry_after_max_seconds: u64,
    /// The largest feed accepted, in KiB.
    pub(crate) max_kb: u64,
    /// `check` warns about a source whose last success is older than this.
    pub(crate) stale_days: u32,
}

impl Default for PullSettings {
    fn default() -> Self {
        PullSettings {
            timeout_seconds: 15,
            concurrency: 16,
            per_host: 4,
            retries: 2,
            retry_after_max_seconds: 60,
            max_kb: 4096,
            stale_days: 7,
        }
    }
}

/// `sources:` and `pull:`, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub(crate) struct SourcesConfig {
    pub(crate) sources: Vec<Source>,
    pub(crate) pull: PullSettings,
}

impl SourcesConfig {
    /// Whether some source feeds a branch's 基层动态.
    pub(crate) fn has_branch_sources(&self) -> bool {
        self.sources.iter().any(|s| !s.is_upstream())
    }
}

#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
struct RawSource {
    id: Option<String>,
    url: Option<String>,
    branch: Option<String>,
    upstream: bool,
    name: Option<String>,
    kinds: Vec<String>,
    categories: Vec<String>,
    limit: Option<usize>,
    max_age_days: Option<u32>,
    full_text: bool,
}

/// Reads `sources:` and `pull:` from the parsed site.yaml, pushing every
/// problem (with its line) into `diags`.
pub(crate) fn parse(doc: &Doc, org: &OrgNode, diags: &mut Vec<Diagnostic>) -> SourcesConfig {
    let pull = parse_settings(doc, diags);
    let sources = match doc.root().get_node("sources") {
        None => Vec::new(),
        Some(Node::Scalar(s)) if is_null(s.as_str()) => Vec::new(),
        Some(Node::Sequence(items)) => parse_sources(items, doc, org, diags),
        Some(_) => {
            diags.push(
                err("sources 应是列表，每项以 “- id: …” 开头")
                    .field("sources")
                    .at_line(doc.line_of("sources"))
                    .hint("例如：\nsources:\n  - id: dongcun-site\n    url: https://dongcun.example.org/feed.xml\n    branch: dongcun"),
            );
            Vec::new()
        }
    };
    SourcesConfig { sources, pull }
}

fn is_null(s: &str) -> bool {
    matches!(s.trim(), "" | "~" | "null")
}

fn err(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(CONFIG_FILE, message)
}

/// A YAML type error as a diagnostic of `prefix.<field>`.
fn type_error(e: yaml::YamlError, prefix: &str, fallback: Option<usize>) -> Diagnostic {
    let field = e
        .field()
        .map_or(prefix.to_string(), |f| format!("{prefix}.{f}"));
    err(e.message).field(field).at_line(e.line.or(fallback))
}

fn parse_settings(doc: &Doc, diags: &mut Vec<Diagnostic>) -> PullSettings {
    let line = |key: &str| doc.line_of(&format!("pull.{key}"));
    let node = match doc.root().get_node("pull") {
        None => return PullSettings::default(),
        Some(Node::Scalar(s)) if is_null(s.as_str()) => return PullSettings::default(),
        Some(n @ Node::Mapping(_)) => n,
        Some(_) => {
            diags.push(
                err("pull 应是 “键: 值” 的形式")
                    .field("pull")
                    .at_line(doc.line_of("pull")),
            );
            return PullSettings::default();
        }
    };
    let unknown = node
        .as_mapping()
        .map(|m| Doc::unknown_keys(m, PULL_KEYS))
        .unwrap_or_default();
    for u in &unknown {
        diags.push(
            err("未知配置项")
                .field(format!("pull.{}", u.key))
                .at_line(u.line)
                .hint(unknown_name_hint(&u.key, PULL_KEYS)),
        );
    }
    if !unknown.is_empty() {
        return PullSettings::default();
    }
    let settings: PullSettings = match yaml::deserialize_node(node) {
        Ok(s) => s,
        Err(e) => {
            diags.push(type_error(e, "pull", doc.line_of("pull")));
            return PullSettings::default();
        }
    };
    let positive = [
        ("timeout_seconds", settings.timeout_seconds == 0),
        ("concurrency", settings.concurrency == 0),
        ("per_host", settings.per_host == 0),
        ("max_kb", settings.max_kb == 0),
        ("stale_days", settings.stale_days == 0),
    ];
    for (key, zero) in positive {
        if zero {
            diags.push(
                err("必须大于 0")
                    .field(format!("pull.{key}"))
                    .at_line(line(key)),
            );
        }
    }
    settings
}

fn parse_sources(
    items: &[Node],
    doc: &Doc,
    org: &OrgNode,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Source> {
    let org_ids = org.ids();
    let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let start = item.span().start().map(|m| m.line()).filter(|l| *l > 0);
        let fallback = start.or_else(|| doc.line_of("sources"));
        let line_of = |key: &str| doc.line_of(&format!("sources[{i}].{key}")).or(fallback);
        let Some(map) = item.as_mapping() else {
            diags.push(
                err("sources 的每一项应是 “键: 值” 的形式")
                    .field(format!("sources[{i}]"))
                    .at_line(fallback)
                    .hint("每项至少写 id 和 url，以及 branch 或 upstream: true"),
            );
            continue;
        };
        let mut bad = false;
        for u in Doc::unknown_keys(map, SOURCE_KEYS) {
            diags.push(
                err("未知配置项")
                    .field(format!("sources.{}", u.key))
                    .at_line(u.line.or(fallback))
                    .hint(unknown_name_hint(&u.key, SOURCE_KEYS)),
            );
            bad = true;
        }
        if bad {
            continue;
        }
        let raw: RawSource = match yaml::deserialize_node(item) {
            Ok(r) => r,
            Err(e) => {
                diags.push(type_error(e, "sources", fallback));
                continue;
            }
        };
        let ctx = Ctx {
            line_of: &line_of,
            org_ids: &org_ids,
        };
        if let Some(source) = validate(raw, fallback, &ctx, diags) {
            if let Some(first) = seen.insert(source.id.clone(), source.line) {
                diags.push(
                    err(format!("来源编号 “{}” 重复", source.id))
                        .field("sources.id")
                        .at_line(line_of("id"))
                        .hint(match first {
                            Some(l) => format!("第 {l} 行已用过这个编号；每个来源的 id 必须唯一"),
                            None => "每个来源的 id 必须唯一".into(),
                        }),
                );
                continue;
            }
            out.push(source);
        }
    }
    out
}

struct Ctx<'a> {
    line_of: &'a dyn Fn(&str) -> Option<usize>,
    org_ids: &'a [&'a str],
}

/// A source's id names its cache file: lower-case ASCII only.
fn check_id(id: &str, line: Option<usize>, ctx: &Ctx<'_>, diags: &mut Vec<Diagnostic>) {
    if id.is_empty() {
        diags.push(
            err("来源缺少 id")
                .field("sources.id")
                .at_line(line)
                .hint("例如：id: dongcun-site（只用小写字母、数字、- 和 _）"),
        );
    } else if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        diags.push(
            err(format!("来源编号 “{id}” 不可用"))
                .field("sources.id")
                .at_line((ctx.line_of)("id"))
                .hint("编号也是缓存文件名，只能包含小写字母、数字、- 和 _，例如 dongcun-site"),
        );
    }
}

/// Where a source's entries go: a branch's 基层动态, or 上级通知.
fn target_of(
    branch: Option<String>,
    upstream: bool,
    line: Option<usize>,
    ctx: &Ctx<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Target {
    match (branch, upstream) {
        (Some(b), false) => {
            if !ctx.org_ids.contains(&b.as_str()) {
                diags.push(
                    err(format!("组织机构中没有编号为 “{b}” 的党组织"))
                        .field("sources.branch")
                        .at_line((ctx.line_of)("branch"))
                        .hint(unknown_name_hint(&b, ctx.org_ids)),
                );
            }
            Target::Branch(b)
        }
        (None, true) => Target::Upstream,
        (Some(_), true) => {
            diags.push(
                err("branch 与 upstream: true 只能写一个")
                    .field("sources.upstream")
                    .at_line((ctx.line_of)("upstream"))
                    .hint("下级党组织的网站写 branch；上级的通知写 upstream: true"),
            );
            Target::Upstream
        }
        (None, false) => {
            diags.push(
                err("来源要写明属于哪个党组织")
                    .field("sources.branch")
                    .at_line(line)
                    .hint("下级党组织的网站写 branch: 组织编号；上级的通知写 upstream: true"),
            );
            Target::Upstream
        }
    }
}

/// The kinds a source is limited to, each once.
fn kinds_of(raw: &[String], ctx: &Ctx<'_>, diags: &mut Vec<Diagnostic>) -> Vec<Kind> {
    let mut kinds = Vec::new();
    for k in raw {
        match parse_kind(k) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => diags.push(
                err(format!("未知的内容类型 “{k}”"))
                    .field("sources.kinds")
                    .at_line((ctx.line_of)("kinds"))
                    .hint(unknown_name_hint(
                        k,
                        &["news", "notice", "lesson", "disclosure"],
                    )),
            ),
        }
    }
    kinds
}

/// Checks one entry's values; `None` (with diagnostics) if unusable.
fn validate(
    raw: RawSource,
    line: Option<usize>,
    ctx: &Ctx<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let before = diags.len();
    let at = |key: &str| (ctx.line_of)(key);
    let id = raw.id.unwrap_or_default();
    check_id(&id, line, ctx, diags);
    let url = raw.url.unwrap_or_default();
    match check_url(&url) {
        Ok(()) => {}
        Err(msg) => diags.push(
            err(msg)
                .field("sources.url")
                .at_line(if url.is_empty() { line } else { at("url") })
                .hint("写订阅源的完整网址，例如 https://dongcun.example.org/feed.xml"),
        ),
    }
    let target = target_of(raw.branch, raw.upstream, line, ctx, diags);
    let kinds = kinds_of(&raw.kinds, ctx, diags);
    for (key, zero) in [
        ("limit", raw.limit == Some(0)),
        ("max_age_days", raw.max_age_days == Some(0)),
    ] {
        if zero {
            diags.push(
                err("必须大于 0")
                    .field(format!("sources.{key}"))
                    .at_line(at(key)),
            );
        }
    }
    (diags.len() == before).then(|| Source {
        id,
        url: url.trim().to_string(),
        target,
        name: raw.name.filter(|n| !n.trim().is_empty()),
        kinds,
        categories: raw
            .categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        limit: raw.limit.unwrap_or(DEFAULT_LIMIT),
        max_age_days: raw.max_age_days,
        full_text: raw.full_text,
        line,
    })
}

/// A kind by key (`notice`), folder (`notices`) or Chinese name (通知公告).
pub(crate) fn parse_kind(name: &str) -> Option<Kind> {
    let name = name.trim();
    [Kind::News, Kind::Notice, Kind::Lesson, Kind::Disclosure]
        .into_iter()
        .find(|k| {
            let key = format!("{k:?}").to_ascii_lowercase();
            name == key || name == k.dir() || name == k.label()
        })
}

fn check_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("来源缺少 url".into());
    }
    let parsed = url::Url::parse(url).map_err(|_| format!("网址 “{url}” 格式不正确"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("网址 “{url}” 不是以 http:// 或 https:// 开头"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("网址 “{url}” 缺少主机名"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const HEAD: &str = "title: 县\nbase_url: https://example.org/\norganization:\n  id: county\n  name: 县委\n  children:\n    - id: dongcun\n      name: 东村\n";

    fn diags(extra: &str) -> Vec<crate::Diagnostic> {
        Config::parse(&format!("{HEAD}{extra}")).unwrap_err()
    }

    #[test]
    fn reads_the_contract() {
        let c = Config::parse(&format!(
            "{HEAD}sources:\n  - id: dongcun-site\n    url: http://dongcun.example.org/feed.xml\n    branch: dongcun\n  - id: county\n    url: https://county.example.org/notices/feed.json\n    upstream: true\n    kinds: [通知公告]\n    limit: 5\n"
        ))
        .unwrap();
        let s = &c.sources.sources;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].branch(), Some("dongcun"));
        assert_eq!(s[0].line, Some(10));
        assert_eq!(s[0].limit, 20);
        assert!(s[1].is_upstream());
        assert_eq!(s[1].kinds, vec![crate::content::Kind::Notice]);
        assert_eq!(s[1].line, Some(13));
        assert_eq!(c.sources.pull.stale_days, 7);
    }

    #[test]
    fn unknown_sub_key_names_the_closest_with_its_line() {
        let d =
            diags("sources:\n  - id: a\n    url: https://a.example/f.xml\n    brnach: dongcun\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].field.as_deref(), Some("sources.brnach"));
        assert_eq!(d[0].line, Some(12));
        assert!(d[0].hint.as_deref().unwrap().contains("branch"));
        let d = diags("pull:\n  timout_seconds: 3\n");
        assert_eq!(d[0].field.as_deref(), Some("pull.timout_seconds"));
        assert_eq!(d[0].line, Some(10));
        assert!(d[0].hint.as_deref().unwrap().contains("timeout_seconds"));
    }

    #[test]
    fn rejects_duplicates_bad_branches_schemes_and_targets() {
        let d = diags(concat!(
            "sources:\n",
            "  - id: a\n    url: https://a.example/f.xml\n    branch: dongcun\n",
            "  - id: a\n    url: https://b.example/f.xml\n    branch: dongcun\n",
            "  - id: c\n    url: ftp://c.example/f.xml\n    branch: dongcum\n",
            "  - id: d\n    url: https://d.example/f.xml\n    branch: dongcun\n    upstream: true\n",
            "  - id: e\n    url: https://e.example/f.xml\n",
            "  - id: F G\n    url: https://f.example/\n    upstream: true\n",
        ));
        let found: Vec<(Option<&str>, Option<usize>)> =
            d.iter().map(|d| (d.field.as_deref(), d.line)).collect();
        assert_eq!(
            found,
            vec![
                (Some("sources.id"), Some(13)),
                (Some("sources.url"), Some(17)),
                (Some("sources.branch"), Some(18)),
                (Some("sources.upstream"), Some(22)),
                (Some("sources.branch"), Some(23)),
                (Some("sources.id"), Some(25)),
            ],
            "{d:#?}"
        );
        assert!(d[0].hint.as_deref().unwrap().contains("第 10 行"));
        assert!(d[2].hint.as_deref().unwrap().contains("dongcun"));
    }

    #[test]
    fn wrong_types_and_zero_limits_are_errors() {
        let d = diags(
            "sources:\n  - id: a\n    url: https://a.example/f.xml\n    upstream: true\n    limit: many\n",
        );
        assert_eq!(d[0].field.as_deref(), Some("sources.limit"));
        assert_eq!(d[0].line, Some(13));
        let d = diags("pull:\n  concurrency: 0\n");
        assert_eq!(d[0].field.as_deref(), Some("pull.concurrency"));
        assert_eq!(d[0].line, Some(10));
        let d = diags(
            "sources:\n  - id: a\n    url: https://a.example/f.xml\n    upstream: true\n    kinds: [newz]\n",
        );
        assert!(d[0].hint.as_deref().unwrap().contains("news"));
    }
}
