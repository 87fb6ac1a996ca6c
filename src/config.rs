//! site.yaml → [`Config`], validated once.

use std::collections::BTreeSet;
use std::path::Path;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use crate::diagnostic::{Diagnostic, unknown_name_hint, yaml_message};
use crate::yaml;

/// The name of the configuration file at the site root.
pub const CONFIG_FILE: &str = "site.yaml";

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
    "search",
];
const FOOTER_KEYS: &[&str] = &["icp", "police", "contact"];
const DISCLOSURE_KEYS: &[&str] = &["default_days", "contact", "holidays", "workdays"];
const ORG_KEYS: &[&str] = &["id", "name", "children"];
const MARKDOWN_KEYS: &[&str] = &["unsafe_html", "highlight"];
const FEEDS_KEYS: &[&str] = &["limit", "full_content"];

/// Validated site configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub title: String,
    /// Absolute base URL, always ending in `/`.
    pub base_url: String,
    /// Path part of `base_url`, starting and ending in `/` (`/` or `/dangjian/`).
    pub base_path: String,
    pub language: String,
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    pub theme: String,
    pub description: String,
    pub pagination: usize,
    pub reading_speed: u32,
    pub logo: Option<String>,
    /// The picture shared pages show when they have no cover (`og:image`).
    pub share_image: Option<String>,
    pub footer: Footer,
    pub disclosure: DisclosureConfig,
    pub organization: OrgNode,
    pub markdown: MarkdownConfig,
    pub feeds: FeedsConfig,
    pub search: crate::search::SearchConfig,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Footer {
    pub icp: Option<String>,
    pub police: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DisclosureConfig {
    pub default_days: u32,
    pub contact: Option<String>,
    pub holidays: Vec<String>,
    pub workdays: Vec<String>,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        DisclosureConfig {
            default_days: 5,
            contact: None,
            holidays: Vec::new(),
            workdays: Vec::new(),
        }
    }
}

/// A node of the organization tree (党组织).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct OrgNode {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub children: Vec<OrgNode>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MarkdownConfig {
    /// Opt out of HTML sanitizing (trusted editors only).
    pub unsafe_html: bool,
    /// Highlight fenced code blocks.
    pub highlight: bool,
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
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct FeedsConfig {
    /// Items per feed, newest first.
    pub limit: usize,
    /// Full content in feeds; `false` gives summaries only.
    pub full_content: bool,
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
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![
                Diagnostic::error(CONFIG_FILE, format!("无法读取配置文件（{e}）"))
                    .hint("请在站点根目录放置 site.yaml，或用 --root 指定站点目录"),
            ]
        })?;
        Config::parse(&text)
    }

    /// Parses and validates the text of `site.yaml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let err = |msg: String| Diagnostic::error(CONFIG_FILE, msg);
        let value: Value = serde_yaml::from_str(text)
            .map_err(|e| vec![err(yaml_message(&e)).at_line(yaml::error_line(&e))])?;
        let Value::Mapping(map) = &value else {
            return Err(vec![err("配置文件应是 “键: 值” 的形式".into())]);
        };
        let mut diags = check_keys(map, text);
        if !diags.is_empty() {
            return Err(diags);
        }
        let raw: RawConfig = serde_yaml::from_value(value.clone()).map_err(|e| {
            let line = first_line_of_error(&e, text);
            vec![err(yaml_message(&e)).at_line(line)]
        })?;
        let line_of = |key: &str| yaml::key_line(text, key, 1);
        let missing =
            |key: &str, hint: &str| err("缺少必填项".into()).field(key).hint(hint.to_string());
        let title = raw.title.filter(|t| !t.trim().is_empty());
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
                    .at_line(line_of("limit")),
            );
        }
        if raw.reading_speed == 0 {
            diags.push(
                err("阅读速度必须大于 0".into())
                    .field("reading_speed")
                    .at_line(line_of("reading_speed")),
            );
        }
        let organization = raw.organization.unwrap_or_else(|| OrgNode {
            id: "site".into(),
            name: title.clone().unwrap_or_default(),
            children: Vec::new(),
        });
        check_org(&organization, text, &mut diags);
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
            disclosure: raw.disclosure,
            organization,
            markdown: raw.markdown,
            feeds: raw.feeds,
            search: raw.search,
        })
    }

    /// Replaces the base URL (the `--base-url` flag).
    pub fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        let (base_url, base_path) = normalize_base_url(url)?;
        self.base_url = base_url;
        self.base_path = base_path;
        Ok(())
    }
}

fn first_line_of_error(err: &serde_yaml::Error, text: &str) -> Option<usize> {
    // Errors from `from_value` carry no location; find the field named in the path.
    yaml::error_line(err).or_else(|| {
        let raw = err.to_string();
        let path = raw.split_once(": ").map(|(p, _)| p)?;
        let last = path.rsplit('.').next()?;
        let key = last.split('[').next()?;
        yaml::key_line(text, key, 1)
    })
}

fn check_keys(map: &Mapping, text: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut report = |map: &Mapping, known: &[&str], prefix: &str| {
        for u in yaml::unknown_keys(map, known, text, 1) {
            diags.push(
                Diagnostic::error(CONFIG_FILE, "未知配置项")
                    .field(format!("{prefix}{}", u.key))
                    .at_line(u.line)
                    .hint(unknown_name_hint(&u.key, known)),
            );
        }
    };
    report(map, ROOT_KEYS, "");
    let sub = |key: &str| match map.get(key) {
        Some(Value::Mapping(m)) => Some(m),
        _ => None,
    };
    if let Some(m) = sub("footer") {
        report(m, FOOTER_KEYS, "footer.");
    }
    if let Some(m) = sub("disclosure") {
        report(m, DISCLOSURE_KEYS, "disclosure.");
    }
    if let Some(m) = sub("markdown") {
        report(m, MARKDOWN_KEYS, "markdown.");
    }
    if let Some(m) = sub("feeds") {
        report(m, FEEDS_KEYS, "feeds.");
    }
    if let Some(m) = sub("search") {
        report(m, crate::search::CONFIG_KEYS, "search.");
    }
    let mut stack: Vec<&Mapping> = sub("organization").into_iter().collect();
    while let Some(node) = stack.pop() {
        report(node, ORG_KEYS, "organization.");
        if let Some(Value::Sequence(children)) = node.get("children") {
            stack.extend(children.iter().filter_map(Value::as_mapping));
        }
    }
    diags
}

fn check_org(root: &OrgNode, text: &str, diags: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let line = yaml::key_line(text, &format!("id: {}", node.id), 1).or_else(|| {
            text.lines()
                .position(|l| l.contains(&node.id))
                .map(|i| i + 1)
        });
        let valid = !node.id.is_empty()
            && node
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            diags.push(
                Diagnostic::error(CONFIG_FILE, format!("组织编号 “{}” 不可用", node.id))
                    .field("organization.id")
                    .at_line(line)
                    .hint("编号用于网址，只能包含小写字母、数字、- 和 _，例如 dongcun"),
            );
        }
        if !seen.insert(node.id.as_str()) {
            diags.push(
                Diagnostic::error(CONFIG_FILE, format!("组织编号 “{}” 重复", node.id))
                    .field("organization.id")
                    .at_line(line)
                    .hint("每个党组织的编号必须唯一"),
            );
        }
        stack.extend(node.children.iter());
    }
}

/// Splits a base URL into its normalized form and its path.
fn normalize_base_url(url: &str) -> Result<(String, String), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("网址 “{url}” 不是以 http:// 或 https:// 开头的完整网址"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || host.contains(char::is_whitespace) || path.contains(['?', '#']) {
        return Err(format!("网址 “{url}” 格式不正确"));
    }
    let path = path.trim_end_matches('/');
    let base_path = if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    };
    let scheme = &url[..url.len() - rest.len()];
    Ok((format!("{scheme}{host}{base_path}"), base_path))
}

impl OrgNode {
    /// Every node of the tree, depth first, with its depth.
    pub fn walk(&self) -> Vec<(&OrgNode, usize)> {
        let mut out = Vec::new();
        let mut stack = vec![(self, 0)];
        while let Some((node, depth)) = stack.pop() {
            out.push((node, depth));
            stack.extend(node.children.iter().rev().map(|c| (c, depth + 1)));
        }
        out
    }

    /// All ids known in the tree.
    pub fn ids(&self) -> Vec<&str> {
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
    fn rejects_relative_base_url() {
        let diags = Config::parse("title: a\nbase_url: example.org\n").unwrap_err();
        assert_eq!(diags[0].field.as_deref(), Some("base_url"));
    }
}
