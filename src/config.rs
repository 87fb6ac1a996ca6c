//! site.yaml → [`Config`], validated once.

use std::collections::BTreeSet;
use std::path::Path;

use chrono_tz::Tz;
use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::time::WorkCalendar;
use crate::yaml::{self, Doc};

mod checks;
pub(crate) use checks::police_code;

/// The name of the configuration file at the site root.
pub(crate) const CONFIG_FILE: &str = "site.yaml";

const ROOT_KEYS: &[&str] = &[
    "title",
    "base_url",
    "language",
    "timezone",
    "theme",
    "description",
    "pagination",
    "reading_speed",
    "footer",
    "disclosure",
    "organization",
    "markdown",
    "logo",
    "share_image",
    "feeds",
    "deploy",
    "sources",
    "pull",
    "search",
];
const FOOTER_KEYS: &[&str] = &[
    "sponsor",
    "organizer",
    "site_code",
    "party_gov_mark",
    "icp",
    "police",
    "contact",
];
const DISCLOSURE_KEYS: &[&str] = &["default_days", "contact", "holidays", "workdays"];
const ORG_KEYS: &[&str] = &["id", "name", "children"];
const MARKDOWN_KEYS: &[&str] = &["unsafe_html", "highlight"];
const FEEDS_KEYS: &[&str] = &["limit", "full_content"];

/// Validated site configuration.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct Config {
    pub(crate) title: String,
    /// Absolute base URL, always ending in `/`.
    pub(crate) base_url: String,
    /// Path part of `base_url`, starting and ending in `/` (`/` or `/dangjian/`).
    pub(crate) base_path: String,
    pub(crate) language: String,
    #[serde(serialize_with = "serialize_tz")]
    pub(crate) timezone: Tz,
    pub(crate) theme: String,
    pub(crate) description: String,
    pub(crate) pagination: usize,
    pub(crate) reading_speed: u32,
    pub(crate) logo: Option<String>,
    /// The picture shared pages show when they have no cover (`og:image`).
    pub(crate) share_image: Option<String>,
    pub(crate) footer: Footer,
    pub(crate) disclosure: DisclosureConfig,
    pub(crate) organization: OrgNode,
    pub(crate) markdown: MarkdownConfig,
    pub(crate) feeds: FeedsConfig,
    /// Feeds gathered by `dangjian pull` (`sources:`) and how (`pull:`).
    pub(crate) sources: crate::pull::SourcesConfig,
    pub(crate) search: crate::search::SearchConfig,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// The footer's identity lines, as Chinese government and Party sites
/// show them (see README, “网站标识”).
#[derive(Debug, Clone, Default, Deserialize, Serialize, Hash)]
#[serde(default)]
pub(crate) struct Footer {
    /// 主办单位
    pub(crate) sponsor: Option<String>,
    /// 承办单位
    pub(crate) organizer: Option<String>,
    /// 网站标识码
    pub(crate) site_code: Option<String>,
    /// The address of the site's 党政机关网站标识 (its certificate page).
    pub(crate) party_gov_mark: Option<String>,
    /// ICP备案号
    pub(crate) icp: Option<String>,
    /// 公安机关备案号
    pub(crate) police: Option<String>,
    pub(crate) contact: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Hash)]
#[serde(default)]
pub(crate) struct DisclosureConfig {
    pub(crate) default_days: u32,
    pub(crate) contact: Option<String>,
    pub(crate) holidays: Vec<String>,
    pub(crate) workdays: Vec<String>,
    /// The built-in holiday schedules with `holidays` and `workdays` on top.
    #[serde(skip)]
    pub(crate) calendar: WorkCalendar,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        DisclosureConfig {
            default_days: 5,
            contact: None,
            holidays: Vec::new(),
            workdays: Vec::new(),
            calendar: WorkCalendar::default(),
        }
    }
}

/// A node of the organization tree (党组织).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) struct OrgNode {
    pub(crate) id: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) children: Vec<OrgNode>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Hash)]
#[serde(default)]
pub(crate) struct MarkdownConfig {
    /// Opt out of HTML sanitizing (trusted editors only).
    pub(crate) unsafe_html: bool,
    /// Highlight fenced code blocks.
    pub(crate) highlight: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            unsafe_html: false,
            highlight: true,
        }
    }
}

/// Feed settings (`feeds:` in site.yaml).
#[derive(Debug, Clone, Deserialize, Serialize, Hash)]
#[serde(default)]
pub(crate) struct FeedsConfig {
    /// Items per feed, newest first.
    pub(crate) limit: usize,
    /// Full content in feeds; `false` gives summaries only.
    pub(crate) full_content: bool,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            limit: 50,
            full_content: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct RawConfig {
    title: Option<String>,
    base_url: Option<String>,
    language: String,
    timezone: String,
    theme: String,
    description: String,
    pagination: usize,
    reading_speed: u32,
    logo: Option<String>,
    share_image: Option<String>,
    footer: Footer,
    disclosure: DisclosureConfig,
    organization: Option<OrgNode>,
    markdown: MarkdownConfig,
    feeds: FeedsConfig,
    search: crate::search::SearchConfig,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            title: None,
            base_url: None,
            language: "zh-CN".into(),
            timezone: "Asia/Shanghai".into(),
            theme: "default".into(),
            description: String::new(),
            pagination: 20,
            reading_speed: 400,
            logo: None,
            share_image: None,
            footer: Footer::default(),
            disclosure: DisclosureConfig::default(),
            organization: None,
            markdown: MarkdownConfig::default(),
            feeds: FeedsConfig::default(),
            search: crate::search::SearchConfig::default(),
        }
    }
}

impl Config {
    /// Reads and validates `site.yaml` under `root`.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            let d = if e.kind() == std::io::ErrorKind::NotFound {
                let dir = if root.as_os_str().is_empty() || root == Path::new(".") {
                    "当前目录".to_string()
                } else {
                    format!("“{}”", root.display())
                };
                Diagnostic::error(CONFIG_FILE, format!("{dir}没有 site.yaml"))
                    .hint("运行 dangjian init 创建一个新站点，或用 --root 指定站点目录")
            } else {
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("无法读取配置文件：{}", crate::diagnostic::io_reason(&e)),
                )
            };
            vec![d]
        })?;
        let text = crate::diagnostic::utf8_text(CONFIG_FILE, bytes).map_err(|d| vec![d])?;
        Config::parse(&text)
    }

    /// Parses and validates the text of `site.yaml`.
    pub(crate) fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let err = |msg: String| Diagnostic::error(CONFIG_FILE, msg);
        let yaml_err = |e: yaml::YamlError| {
            let mut d = err(e.message.clone()).at_line(e.line);
            d.field = e.path.clone();
            d.hint = e.hint.clone();
            vec![d]
        };
        let doc = yaml::parse(text).map_err(yaml_err)?;
        let mut diags = check_keys(doc.root());
        diags.extend(crate::deploy::config::check(&doc));
        if !diags.is_empty() {
            return Err(diags);
        }
        let raw: RawConfig = doc.deserialize().map_err(yaml_err)?;
        let (title, base_url, base_path, timezone) = check_basics(&raw, &doc, &mut diags);
        let organization = raw.organization.unwrap_or_else(|| OrgNode {
            id: "site".into(),
            name: title.clone().unwrap_or_default(),
            children: Vec::new(),
        });
        check_org(&doc, &mut diags);
        let mut disclosure = raw.disclosure;
        disclosure.calendar = checks::calendar(&disclosure, &doc, &mut diags);
        checks::footer(&raw.footer, &doc, &mut diags);
        let sources = crate::pull::config::parse(&doc, &organization, &mut diags);
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(Config {
            title: title.unwrap_or_default(),
            base_url,
            base_path,
            language: raw.language,
            timezone,
            theme: raw.theme,
            description: raw.description,
            pagination: raw.pagination,
            reading_speed: raw.reading_speed,
            logo: raw.logo,
            share_image: raw.share_image,
            footer: raw.footer,
            disclosure,
            organization,
            markdown: raw.markdown,
            feeds: raw.feeds,
            sources,
            search: raw.search,
        })
    }

    /// Replaces the base URL (the `--base-url` flag).
    pub(crate) fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        let (base_url, base_path) = normalize_base_url(url)?;
        self.base_url = base_url;
        self.base_path = base_path;
        Ok(())
    }
}

/// The site's identity and numbers: title, base URL (with its path),
/// time zone, theme name and the counts that must be above 0.
fn check_basics(
    raw: &RawConfig,
    doc: &yaml::Doc,
    diags: &mut Vec<Diagnostic>,
) -> (Option<String>, String, String, Tz) {
    let err = |msg: String| Diagnostic::error(CONFIG_FILE, msg);
    let line_of = |key: &str| doc.line_of(key);
    let missing =
        |key: &str, hint: &str| err("缺少必填项".into()).field(key).hint(hint.to_string());
    let title = raw.title.clone().filter(|t| !t.trim().is_empty());
    if title.is_none() {
        diags.push(missing("title", "例如：title: 示范县党建网"));
    }
    let (base_url, base_path) = match raw.base_url.as_deref().map(normalize_base_url) {
        None => {
            diags.push(missing(
                "base_url",
                "例如：base_url: https://dangjian.example.org/",
            ));
            (String::new(), "/".into())
        }
        Some(Ok(pair)) => pair,
        Some(Err(msg)) => {
            diags.push(
                err(msg)
                    .field("base_url")
                    .at_line(line_of("base_url"))
                    .hint("写成以 http:// 或 https:// 开头的完整网址"),
            );
            (String::new(), "/".into())
        }
    };
    let timezone: Tz = raw.timezone.parse().unwrap_or_else(|_| {
        diags.push(
            err(format!("未知时区 “{}”", raw.timezone))
                .field("timezone")
                .at_line(line_of("timezone"))
                .hint("中国大陆请写 Asia/Shanghai"),
        );
        chrono_tz::Asia::Shanghai
    });
    if !crate::content::slug::is_valid(&raw.theme) {
        diags.push(
            err(format!("主题名 “{}” 不可用", raw.theme))
                .field("theme")
                .at_line(line_of("theme"))
                .hint("主题名是 themes/ 中的文件夹名，只能包含小写字母、数字、- 和 _"),
        );
    }
    if raw.pagination == 0 {
        diags.push(
            err("每页条数必须大于 0".into())
                .field("pagination")
                .at_line(line_of("pagination")),
        );
    }
    if raw.feeds.limit == 0 {
        diags.push(
            err("订阅条数必须大于 0".into())
                .field("feeds.limit")
                .at_line(line_of("feeds.limit")),
        );
    }
    if raw.reading_speed == 0 {
        diags.push(
            err("阅读速度必须大于 0".into())
                .field("reading_speed")
                .at_line(line_of("reading_speed")),
        );
    }
    (title, base_url, base_path, timezone)
}

fn check_keys(map: &MarkedMappingNode) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut report = |map: &MarkedMappingNode, known: &[&str], prefix: &str| {
        for u in Doc::unknown_keys(map, known) {
            diags.push(
                Diagnostic::error(CONFIG_FILE, "未知配置项")
                    .field(format!("{prefix}{}", u.key))
                    .at_line(u.line)
                    .hint(unknown_name_hint(&u.key, known)),
            );
        }
    };
    report(map, ROOT_KEYS, "");
    let sub = |key: &str| map.get_node(key).and_then(Node::as_mapping);
    for (key, known) in [
        ("footer", FOOTER_KEYS),
        ("disclosure", DISCLOSURE_KEYS),
        ("markdown", MARKDOWN_KEYS),
        ("feeds", FEEDS_KEYS),
        ("search", crate::search::CONFIG_KEYS),
    ] {
        if let Some(m) = sub(key) {
            report(m, known, &format!("{key}."));
        }
    }
    for node in org_nodes(map) {
        report(node, ORG_KEYS, "organization.");
    }
    diags
}

/// Every mapping of the organization tree as written, depth first.
fn org_nodes(root: &MarkedMappingNode) -> Vec<&MarkedMappingNode> {
    let mut out = Vec::new();
    let mut stack: Vec<&MarkedMappingNode> = root
        .get_node("organization")
        .and_then(Node::as_mapping)
        .into_iter()
        .collect();
    while let Some(node) = stack.pop() {
        out.push(node);
        if let Some(children) = node.get_node("children").and_then(Node::as_sequence) {
            stack.extend(children.iter().rev().filter_map(Node::as_mapping));
        }
    }
    out
}

/// Checks every organization id where it is written: usable in URLs, unique.
fn check_org(doc: &Doc, diags: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for node in org_nodes(doc.root()) {
        let Some((key, value)) = node.iter().find(|(k, _)| k.as_str() == "id") else {
            continue;
        };
        let id = value.as_scalar().map(|s| s.as_str()).unwrap_or("");
        let line = value
            .span()
            .start()
            .or(key.span().start())
            .map(|m| m.line());
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            diags.push(
                Diagnostic::error(CONFIG_FILE, format!("组织编号 “{id}” 不可用"))
                    .field("organization.id")
                    .at_line(line)
                    .hint("编号用于网址，只能包含小写字母、数字、- 和 _，例如 dongcun"),
            );
        }
        if !seen.insert(id) {
            diags.push(
                Diagnostic::error(CONFIG_FILE, format!("组织编号 “{id}” 重复"))
                    .field("organization.id")
                    .at_line(line)
                    .hint("每个党组织的编号必须唯一"),
            );
        }
    }
}

/// Splits a base URL into its normalized form (the `url` crate's, so every
/// URL made from it later is valid) and its path.
fn normalize_base_url(url: &str) -> Result<(String, String), String> {
    let text = url.trim();
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return Err(format!(
            "网址 “{text}” 不是以 http:// 或 https:// 开头的完整网址"
        ));
    }
    let parsed = url::Url::parse(text).map_err(|e| {
        let why = match e {
            url::ParseError::EmptyHost => "缺少域名",
            url::ParseError::InvalidPort => "端口号无效",
            url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address => {
                "IP 地址无效"
            }
            url::ParseError::IdnaError | url::ParseError::InvalidDomainCharacter => {
                "域名中有不能使用的字符"
            }
            _ => "格式不正确",
        };
        format!("网址 “{text}” {why}")
    })?;
    if parsed.host_str().is_none_or(str::is_empty) || parsed.cannot_be_a_base() {
        return Err(format!("网址 “{text}” 缺少域名"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("网址 “{text}” 不能带 ? 或 # 部分"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("网址 “{text}” 不能包含用户名或密码"));
    }
    let path = parsed.path().trim_end_matches('/');
    let base_path = if path.is_empty() {
        "/".to_string()
    } else {
        format!("{path}/")
    };
    let origin = parsed.origin().ascii_serialization();
    Ok((format!("{origin}{base_path}"), base_path))
}

impl OrgNode {
    /// Every node of the tree, depth first, with its depth.
    pub(crate) fn walk(&self) -> Vec<(&OrgNode, usize)> {
        let mut out = Vec::new();
        let mut stack = vec![(self, 0)];
        while let Some((node, depth)) = stack.pop() {
            out.push((node, depth));
            stack.extend(node.children.iter().rev().map(|c| (c, depth + 1)));
        }
        out
    }

    /// All ids known in the tree.
    pub(crate) fn ids(&self) -> Vec<&str> {
        self.walk()
            .into_iter()
            .map(|(n, _)| n.id.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "title: 测试站\nbase_url: https://example.org/dangjian\n";

    #[test]
    fn base_url_keeps_its_path() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!(c.base_url, "https://example.org/dangjian/");
        assert_eq!(c.base_path, "/dangjian/");
        assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn unknown_key_names_closest() {
        let text = format!("{MINIMAL}paginaton: 10\n");
        let diags = Config::parse(&text).unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].field.as_deref(), Some("paginaton"));
        assert_eq!(diags[0].line, Some(3));
        assert!(diags[0].hint.as_deref().unwrap().contains("pagination"));
    }

    #[test]
    fn nested_unknown_key_is_found() {
        let text = format!("{MINIMAL}footer:\n  icpp: x\n");
        let diags = Config::parse(&text).unwrap_err();
        assert_eq!(diags[0].field.as_deref(), Some("footer.icpp"));
        assert_eq!(diags[0].line, Some(4));
    }

    #[test]
    fn base_urls_are_checked_where_written() {
        for bad in [
            "https://example.org:99999/",
            "https://exa%mple.org/",
            "http://[::1/",
            "https://user@/x/",
            "https://example.org/?a=1",
        ] {
            let diags = Config::parse(&format!("title: a\nbase_url: \"{bad}\"\n")).unwrap_err();
            assert_eq!(diags[0].field.as_deref(), Some("base_url"), "{bad}");
            assert_eq!(diags[0].line, Some(2), "{bad}");
        }
        let c = Config::parse("title: a\nbase_url: https://Example.org/a b\n").unwrap();
        assert_eq!(c.base_url, "https://example.org/a%20b/");
    }

    #[test]
    fn rejects_relative_base_url() {
        let diags = Config::parse("title: a\nbase_url: example.org\n").unwrap_err();
        assert_eq!(diags[0].field.as_deref(), Some("base_url"));
    }
}
