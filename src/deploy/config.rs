//! The `deploy:` list of site.yaml, validated with line numbers, and the
//! refusal of secrets anywhere in site.yaml.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use serde::Deserialize;

use crate::config::CONFIG_FILE;
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::yaml::{self, Doc};

/// Keys a `deploy:` entry may have.
const TARGET_KEYS: &[&str] = &[
    "name",
    "type",
    "endpoint",
    "bucket",
    "region",
    "prefix",
    "public",
    "root",
    "user",
    "cache_control",
    "credentials_file",
    "known_hosts",
];
const RULE_KEYS: &[&str] = &["glob", "value"];
const TYPES: &[&str] = &["s3", "oss", "cos", "obs", "ftp", "sftp", "webdav", "fs"];
const KNOWN_HOSTS: &[&str] = &["strict", "add", "accept"];

/// Where a target stores files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    S3,
    /// Aliyun OSS, through its S3-compatible API.
    Oss,
    /// Tencent COS, through its S3-compatible API.
    Cos,
    /// Huawei OBS, through its S3-compatible API.
    Obs,
    Ftp,
    Sftp,
    Webdav,
    /// A folder on this machine (a mounted share, or tests).
    Fs,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "s3" => Kind::S3,
            "oss" => Kind::Oss,
            "cos" => Kind::Cos,
            "obs" => Kind::Obs,
            "ftp" => Kind::Ftp,
            "sftp" => Kind::Sftp,
            "webdav" => Kind::Webdav,
            "fs" => Kind::Fs,
            _ => return None,
        })
    }

    /// Object stores: buckets, ETags, Content-Type and Cache-Control per object.
    pub(crate) fn is_s3_like(self) -> bool {
        matches!(self, Kind::S3 | Kind::Oss | Kind::Cos | Kind::Obs)
    }
}

/// One Cache-Control rule: the first whose glob matches a path wins.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct CacheRule {
    pub(crate) glob: String,
    pub(crate) value: String,
}

/// A validated deploy target.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) endpoint: Option<String>,
    pub(crate) bucket: Option<String>,
    pub(crate) region: Option<String>,
    /// A folder inside the bucket or server, without leading or trailing `/`.
    pub(crate) prefix: String,
    /// A public site: only `--scope public` outputs may go there.
    pub(crate) public: bool,
    /// The server folder (ftp, sftp, webdav) or local folder (fs).
    pub(crate) root: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) cache_control: Vec<CacheRule>,
    pub(crate) credentials_file: Option<String>,
    pub(crate) known_hosts: Option<String>,
}

#[derive(Deserialize)]
struct RawTarget {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    endpoint: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    #[serde(default)]
    prefix: Option<String>,
    /// Omitted means public: an intranet target must say `public: false`.
    public: Option<bool>,
    root: Option<String>,
    user: Option<String>,
    #[serde(default)]
    cache_control: Vec<CacheRule>,
    credentials_file: Option<String>,
    known_hosts: Option<String>,
}

/// Key names that hold secrets, compared without `_`/`-` and case.
fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    const EXACT: &[&str] = &["key", "pass", "pwd", "ak", "sk", "auth"];
    const PARTS: &[&str] = &[
        "secret",
        "password",
        "passwd",
        "token",
        "accesskey",
        "privatekey",
        "apikey",
        "keyid",
        "credential",
    ];
    let file_ref = k.ends_with("file") || k.ends_with("path");
    (EXACT.contains(&k.as_str()) || PARTS.iter().any(|p| k.contains(p))) && !file_ref
}

/// Checks site.yaml for secrets and validates `deploy:` (called by
/// [`crate::config`] on every load, so `build` and `check` catch typos too).
pub(crate) fn check(doc: &Doc) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    find_secrets(doc.root(), "", &mut diags);
    if diags.is_empty() {
        parse_targets(doc, &mut diags);
    }
    diags
}

/// The 1-based line a node starts on, if known.
fn line_of(span: &marked_yaml::Span) -> Option<usize> {
    span.start().map(|m| m.line()).filter(|l| *l > 0)
}

fn find_secrets(map: &MarkedMappingNode, prefix: &str, diags: &mut Vec<Diagnostic>) {
    for (k, v) in map.iter() {
        let key = k.as_str();
        let field = format!("{prefix}{key}");
        if is_secret_key(key) {
            diags.push(secret_error(&field, line_of(k.span())));
        }
        match v {
            Node::Scalar(s) if url_has_password(s.as_str()) => {
                diags.push(secret_error(&field, line_of(s.span())));
            }
            Node::Mapping(m) => find_secrets(m, &format!("{field}."), diags),
            Node::Sequence(items) => {
                for m in items.iter().filter_map(Node::as_mapping) {
                    find_secrets(m, &format!("{field}."), diags);
                }
            }
            Node::Scalar(_) => {}
        }
    }
}

/// `ftp://user:password@host`: a password written into an address.
fn url_has_password(s: &str) -> bool {
    let Some((_, rest)) = s.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

fn secret_error(field: &str, line: Option<usize>) -> Diagnostic {
    Diagnostic::error(CONFIG_FILE, "site.yaml 里不能写密钥或密码（它会随站点文件被复制、提交和分享）")
        .field(field)
        .at_line(line)
        .hint(
            "删除这一行，改用环境变量 DANGJIAN_DEPLOY_KEY 和 DANGJIAN_DEPLOY_SECRET（可按目标加后缀，如 DANGJIAN_DEPLOY_SECRET_OSS），或用 credentials_file 指向站点之外的凭据文件",
        )
}

fn parse_targets(doc: &Doc, diags: &mut Vec<Diagnostic>) -> Vec<Target> {
    let err = |msg: String| Diagnostic::error(CONFIG_FILE, msg);
    let entries = match doc.root().get_node("deploy") {
        None => return Vec::new(),
        Some(Node::Scalar(s)) if s.as_str().trim().is_empty() || s.as_str() == "null" => {
            return Vec::new();
        }
        Some(Node::Sequence(s)) => s,
        Some(_) => {
            diags.push(
                err("deploy 应是一个列表，每项是一个发布目标".into())
                    .field("deploy")
                    .at_line(doc.line_of("deploy"))
                    .hint("例如：\ndeploy:\n  - name: oss\n    type: oss\n    bucket: www"),
            );
            return Vec::new();
        }
    };
    let mut targets: Vec<Target> = Vec::new();
    for entry in entries.iter() {
        let from = line_of(entry.span()).unwrap_or(1);
        let Some(m) = entry.as_mapping() else {
            diags.push(
                err("发布目标应是 “键: 值” 的形式".into())
                    .field("deploy")
                    .line(from),
            );
            continue;
        };
        for u in Doc::unknown_keys(m, TARGET_KEYS) {
            diags.push(
                err("未知的发布设置".into())
                    .field(format!("deploy.{}", u.key))
                    .at_line(u.line)
                    .hint(unknown_name_hint(&u.key, TARGET_KEYS)),
            );
        }
        if let Some(rules) = m.get_node("cache_control").and_then(Node::as_sequence) {
            for rule in rules.iter().filter_map(Node::as_mapping) {
                for u in Doc::unknown_keys(rule, RULE_KEYS) {
                    diags.push(
                        err("未知的缓存规则设置".into())
                            .field(format!("deploy.cache_control.{}", u.key))
                            .at_line(u.line)
                            .hint("每条规则写 glob 和 value，例如 - glob: \"*.pdf\"\n  value: public, max-age=86400"),
                    );
                }
            }
        }
        let key_line = |key: &str| {
            m.iter()
                .find(|(k, _)| k.as_str() == key)
                .and_then(|(k, _)| line_of(k.span()))
                .or(Some(from))
        };
        match yaml::deserialize_node::<RawTarget>(entry) {
            Ok(raw) => {
                if let Some(t) = validate(raw, &key_line, diags) {
                    if targets.iter().any(|o| o.name == t.name) {
                        diags.push(
                            err(format!("发布目标名称 “{}” 重复", t.name))
                                .field("deploy.name")
                                .at_line(key_line("name"))
                                .hint("每个发布目标的 name 必须唯一（用于 --target）"),
                        );
                    }
                    targets.push(t);
                }
            }
            Err(e) => {
                let field = e
                    .field()
                    .map_or("deploy".to_string(), |f| format!("deploy.{f}"));
                diags.push(err(e.message).field(field).at_line(e.line.or(Some(from))));
            }
        }
    }
    targets
}

fn validate(
    raw: RawTarget,
    line: &dyn Fn(&str) -> Option<usize>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Target> {
    let before = diags.len();
    let err = |key: &str, msg: String, hint: &str| {
        Diagnostic::error(CONFIG_FILE, msg)
            .field(format!("deploy.{key}"))
            .at_line(line(key))
            .hint(hint.to_string())
    };
    let name = raw.name.unwrap_or_default();
    if !name_ok(&name) {
        diags.push(err(
            "name",
            format!("发布目标名称 “{name}” 不可用"),
            "写一个由小写字母、数字、- 和 _ 组成的名称，例如 name: oss（用于 --target 和环境变量后缀）",
        ));
    }
    let kind_text = raw.kind.unwrap_or_default();
    let kind = Kind::parse(&kind_text);
    if kind.is_none() {
        diags.push(err(
            "type",
            format!("发布目标类型 “{kind_text}” 不可用"),
            &format!("可用类型：{}", TYPES.join("、")),
        ));
    }
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (endpoint, bucket, region, root) = (
        nonempty(raw.endpoint),
        nonempty(raw.bucket),
        nonempty(raw.region),
        nonempty(raw.root),
    );
    let prefix = (raw.prefix.unwrap_or_default().trim().trim_matches('/')).to_string();
    if prefix.split('/').any(|seg| seg == ".." || seg == ".") || prefix.contains('\\') {
        diags.push(err(
            "prefix",
            format!("prefix “{prefix}” 不能含有 . 或 .. 或反斜杠"),
            "写存储桶或服务器里的文件夹，例如 prefix: dangjian",
        ));
    }
    if let Some(kind) = kind {
        let present = |key: &str| match key {
            "bucket" => bucket.is_some(),
            "region" => endpoint.is_some() || region.is_some(),
            "endpoint" => endpoint.is_some(),
            _ => root.is_some(),
        };
        for (key, hint) in required(kind).iter().filter(|(key, _)| !present(key)) {
            diags.push(err(
                key,
                format!("{kind_text} 类型的发布目标缺少 {key}"),
                hint,
            ));
        }
    }
    if let Some(ep) = &endpoint {
        check_scheme(kind, ep, &err, diags);
    }
    check_options(&raw.known_hosts, &raw.cache_control, &err, diags);
    (diags.len() == before).then(|| Target {
        name,
        kind: kind.unwrap_or(Kind::Fs),
        endpoint,
        bucket,
        region,
        prefix,
        public: raw.public.unwrap_or(true),
        root,
        user: nonempty(raw.user),
        cache_control: raw.cache_control,
        credentials_file: nonempty(raw.credentials_file),
        known_hosts: raw.known_hosts,
    })
}

/// A target name is used in `--target` and in environment variable
/// suffixes: lowercase letters, digits, `-` and `_`.
fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && (name.chars())
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The settings a target of `kind` cannot do without, with a hint each.
fn required(kind: Kind) -> &'static [(&'static str, &'static str)] {
    const BUCKET: (&str, &str) = ("bucket", "写存储桶名称，例如 bucket: www");
    match kind {
        Kind::S3 => &[BUCKET],
        Kind::Oss | Kind::Cos | Kind::Obs => &[
            BUCKET,
            (
                "region",
                "写地域，例如 OSS 写 region: cn-hangzhou，COS 写 region: ap-guangzhou，OBS 写 region: cn-north-4",
            ),
        ],
        Kind::Ftp | Kind::Sftp | Kind::Webdav => &[(
            "endpoint",
            "例如 endpoint: ftp://ftp.example.org:21、sftp 写 endpoint: example.org:22、webdav 写 endpoint: https://dav.example.org",
        )],
        Kind::Fs => &[(
            "root",
            "写本机（或已挂载的共享）文件夹，例如 root: /mnt/www",
        )],
    }
}

type ErrorAt<'a> = dyn Fn(&str, String, &str) -> Diagnostic + 'a;

/// An endpoint must be a URL of the target's protocol (SFTP takes
/// `host:port`).
fn check_scheme(kind: Option<Kind>, ep: &str, err: &ErrorAt, diags: &mut Vec<Diagnostic>) {
    let schemes: &[&str] = match kind {
        Some(Kind::Ftp) => &["ftp://", "ftps://"],
        Some(Kind::Sftp | Kind::Fs) | None => &[],
        Some(_) => &["http://", "https://"],
    };
    if !schemes.is_empty() && !schemes.iter().any(|s| ep.starts_with(s)) {
        diags.push(err(
            "endpoint",
            format!("地址 “{ep}” 应以 {} 开头", schemes.join(" 或 ")),
            "例如 endpoint: ftp://ftp.example.org:21（FTP），https://oss-cn-hangzhou.aliyuncs.com（对象存储）",
        ));
    }
}

/// `known_hosts` and the `cache_control` globs.
fn check_options(
    known_hosts: &Option<String>,
    cache_control: &[CacheRule],
    err: &ErrorAt,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(kh) = known_hosts
        && !KNOWN_HOSTS.contains(&kh.as_str())
    {
        diags.push(err(
            "known_hosts",
            format!("known_hosts 取值 “{kh}” 不可用"),
            "可用取值：strict（只连已知主机）、add（首次连接时记住主机，默认）、accept（不检查，仅限测试）",
        ));
    }
    for rule in cache_control {
        if globset::Glob::new(&rule.glob).is_err() {
            diags.push(err(
                "cache_control",
                format!("缓存规则的 glob “{}” 写法不对", rule.glob),
                "例如 glob: \"**/*.pdf\" 或 glob: \"assets/**\"",
            ));
        }
    }
}

/// Every target of site.yaml's text, in order (the first is the default).
pub(crate) fn targets(text: &str) -> Result<Vec<Target>, Vec<Diagnostic>> {
    let doc = yaml::parse(text)
        .map_err(|e| vec![Diagnostic::error(CONFIG_FILE, e.message).at_line(e.line)])?;
    let mut diags = Vec::new();
    find_secrets(doc.root(), "", &mut diags);
    let targets = parse_targets(&doc, &mut diags);
    if diags.is_empty() {
        Ok(targets)
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "title: a\nbase_url: https://example.org/\n";

    fn check_text(text: &str) -> Vec<Diagnostic> {
        check(&yaml::parse(text).unwrap())
    }

    #[test]
    fn the_issue_example_is_valid() {
        let text = format!(
            "{HEAD}deploy:\n  - name: oss              # the default\n    type: s3\n    endpoint: http://127.0.0.1:8333\n    bucket: www\n    region: us-east-1\n    prefix: \"\"\n    public: true\n"
        );
        assert!(check_text(&text).is_empty());
        let t = targets(&text).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].kind, Kind::S3);
        assert_eq!(t[0].bucket.as_deref(), Some("www"));
        assert!(t[0].public);
    }

    #[test]
    fn unknown_key_unknown_type_and_duplicates_name_their_lines() {
        let text = format!(
            "{HEAD}deploy:\n  - name: a\n    type: s4\n    bucket: x\n  - name: a\n    type: ftp\n    endpont: ftp://h\n"
        );
        let d = check_text(&text);
        let find = |f: &str| d.iter().find(|d| d.field.as_deref() == Some(f)).unwrap();
        assert_eq!(find("deploy.type").line, Some(5));
        assert_eq!(find("deploy.endpont").line, Some(9));
        assert!(
            find("deploy.endpont")
                .hint
                .as_deref()
                .unwrap()
                .contains("endpoint")
        );
        // The second `a` lacks an endpoint (typo), so the duplicate is the first pair only when both parse.
        assert!(
            d.iter()
                .any(|d| d.field.as_deref() == Some("deploy.endpoint"))
        );
    }

    #[test]
    fn duplicate_names_are_refused() {
        let text = format!(
            "{HEAD}deploy:\n  - name: a\n    type: fs\n    root: /tmp/x\n  - name: a\n    type: fs\n    root: /tmp/y\n"
        );
        let d = check_text(&text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("重复"));
        assert_eq!(d[0].line, Some(7));
    }

    #[test]
    fn secrets_are_refused_with_their_line() {
        for key in [
            "secret",
            "password",
            "access_key_id",
            "secret_access_key",
            "token",
            "key",
        ] {
            let text = format!(
                "{HEAD}deploy:\n  - name: a\n    type: s3\n    bucket: b\n    {key}: hunter2\n"
            );
            let d = check_text(&text);
            assert_eq!(d.len(), 1, "{key}: {d:?}");
            assert_eq!(d[0].line, Some(7), "{key}");
            assert!(d[0].message.contains("密钥"));
            assert!(
                d[0].hint
                    .as_deref()
                    .unwrap()
                    .contains("DANGJIAN_DEPLOY_SECRET")
            );
        }
        let text = format!(
            "{HEAD}deploy:\n  - name: a\n    type: ftp\n    endpoint: ftp://u:hunter2@example.org\n"
        );
        let d = check_text(&text);
        assert_eq!(d[0].line, Some(6));
        // A file reference is not a secret.
        let text = format!(
            "{HEAD}deploy:\n  - name: a\n    type: s3\n    bucket: b\n    credentials_file: ~/.config/dj\n"
        );
        assert!(check_text(&text).is_empty());
    }

    #[test]
    fn omitted_public_means_public() {
        let text = format!("{HEAD}deploy:\n  - name: lan\n    type: fs\n    root: /srv/www\n");
        assert!(targets(&text).unwrap()[0].public);
        let text = format!("{text}    public: false\n");
        assert!(!targets(&text).unwrap()[0].public);
    }

    #[test]
    fn endpoints_need_their_scheme() {
        let text =
            format!("{HEAD}deploy:\n  - name: a\n    type: ftp\n    endpoint: example.org\n");
        let d = check_text(&text);
        assert_eq!(d[0].field.as_deref(), Some("deploy.endpoint"));
        assert_eq!(d[0].line, Some(6));
        let text =
            format!("{HEAD}deploy:\n  - name: a\n    type: sftp\n    endpoint: example.org:22\n");
        assert!(check_text(&text).is_empty());
    }

    #[test]
    fn prefix_cannot_climb() {
        let text =
            format!("{HEAD}deploy:\n  - name: a\n    type: s3\n    bucket: b\n    prefix: ../x\n");
        assert_eq!(check_text(&text)[0].field.as_deref(), Some("deploy.prefix"));
    }
}
