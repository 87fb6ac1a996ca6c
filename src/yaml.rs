//! YAML with positions: front matter and site.yaml are parsed by
//! marked-yaml, which keeps the line of every key and value, so errors point
//! at the line the parser saw instead of a line guessed by searching text.
//!
//! Scalars stay text until a field asks for a number or a boolean, so
//! `title: 2026` or `doc_number: 07` are read as written. Limits on size
//! and nesting keep one hostile file from stalling a build.

use marked_yaml::types::MarkedMappingNode;
use marked_yaml::{LoadError, LoaderOptions, Node};

/// The largest YAML block accepted (front matter or site.yaml).
pub(crate) const MAX_BYTES: usize = 256 * 1024;
/// The most keys one mapping may hold; beyond it the file is refused
/// before any key is compared with the known names.
pub(crate) const MAX_KEYS: usize = 200;

/// A YAML problem, in Chinese, located in the parsed text (1-based lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) line: Option<usize>,
    /// The key path the problem is about (`attachments[1].path`), if known.
    pub(crate) path: Option<String>,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl YamlError {
    fn at(line: Option<usize>, message: impl Into<String>) -> Self {
        YamlError {
            line,
            path: None,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The last plain key of the path (`attachments[1].path` → `path`).
    pub(crate) fn field(&self) -> Option<String> {
        let path = self.path.as_deref()?;
        let last = path.rsplit('.').next().unwrap_or(path);
        let key = last.split('[').next().unwrap_or(last);
        (!key.is_empty()).then(|| key.to_string())
    }
}

/// A parsed YAML mapping with positions.
pub(crate) struct Doc {
    root: MarkedMappingNode,
}

/// A key of a mapping that is not known, with its line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownKey {
    pub(crate) key: String,
    pub(crate) line: Option<usize>,
}

/// Parses `text`, which must be a mapping (or empty).
pub(crate) fn parse(text: &str) -> Result<Doc, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_BYTES {
        return Err(YamlError::at(
            Some(1),
            format!(
                "信息块过长（{} KB，最多 {} KB）",
                text.len() / 1024,
                MAX_BYTES / 1024
            ),
        )
        .hint("把长文字移到正文中"));
    }
    if let Some(e) = fullwidth_key(text) {
        return Err(e);
    }
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Doc {
            root: MarkedMappingNode::new_empty(marked_yaml::Span::new_blank()),
        });
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let node = marked_yaml::parse_yaml_with_options(0, text, options).map_err(load_error)?;
    let Node::Mapping(root) = node else {
        return Err(YamlError::at(Some(1), "应写成 “字段: 值” 的形式"));
    };
    let doc = Doc { root };
    doc.check_sizes()?;
    Ok(doc)
}

impl Doc {
    /// The root mapping.
    pub(crate) fn root(&self) -> &MarkedMappingNode {
        &self.root
    }

    /// Keys of `map` not listed in `known`, in the order written.
    pub(crate) fn unknown_keys(map: &MarkedMappingNode, known: &[&str]) -> Vec<UnknownKey> {
        map.keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| UnknownKey {
                key: k.as_str().to_string(),
                line: line_of_span(k.span()),
            })
            .collect()
    }

    /// Reads the document into `T`.
    pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, YamlError> {
        let node = Node::Mapping(self.root.clone());
        deserialize_node(&node)
    }

    /// The line of the key or list entry at `path` (`title`,
    /// `attachments[1].path`, `period.start`), if it is written.
    pub(crate) fn line_of(&self, path: &str) -> Option<usize> {
        let mut node: Option<&Node> = None;
        let mut map = Some(&self.root);
        let mut line = None;
        for part in path.split('.') {
            let (key, indices) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            let m = match node {
                None => map?,
                Some(n) => n.as_mapping()?,
            };
            let (k, v) = m.iter().find(|(k, _)| k.as_str() == key)?;
            line = line_of_span(k.span());
            node = Some(v);
            for idx in indices
                .split(['[', ']'])
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().ok())
            {
                let seq = node?.as_sequence()?;
                let item = seq.get(idx?)?;
                line = line_of_span(item.span()).or(line);
                node = Some(item);
            }
            map = None;
        }
        line
    }

    /// Refuses mappings with more keys than [`MAX_KEYS`].
    fn check_sizes(&self) -> Result<(), YamlError> {
        let mut stack: Vec<&Node> = self.root.values().collect();
        if self.root.len() > MAX_KEYS {
            return Err(too_many(
                self.root
                    .keys()
                    .nth(MAX_KEYS)
                    .and_then(|k| line_of_span(k.span())),
            ));
        }
        while let Some(node) = stack.pop() {
            match node {
                Node::Mapping(m) => {
                    if m.len() > MAX_KEYS {
                        return Err(too_many(
                            m.keys().nth(MAX_KEYS).and_then(|k| line_of_span(k.span())),
                        ));
                    }
                    stack.extend(m.values());
                }
                Node::Sequence(s) => stack.extend(s.iter()),
                Node::Scalar(_) => {}
            }
        }
        Ok(())
    }
}

fn too_many(line: Option<usize>) -> YamlError {
    YamlError::at(line, format!("字段过多（一组最多 {MAX_KEYS} 个）"))
        .hint("检查是否把正文写进了信息块，或缩进是否错位")
}

/// Reads one node into `T`, translating the error.
pub(crate) fn deserialize_node<T: serde::de::DeserializeOwned>(
    node: &Node,
) -> Result<T, YamlError> {
    marked_yaml::from_node(node).map_err(|e| {
        let path = e
            .path()
            .map(str::to_string)
            .filter(|p| !p.is_empty() && p != ".");
        let line = e.start_mark().map(|m| m.line());
        let message = match &*e {
            marked_yaml::Error::NotBoolean(_) => "这里只能写 true 或 false".to_string(),
            marked_yaml::Error::IntegerParseFailure(..) => "这里需要写一个整数".to_string(),
            marked_yaml::Error::FloatParseFailure(..) => "这里需要写一个数字".to_string(),
            marked_yaml::Error::UnknownFieldError(name, expected, _) => {
                format!("未知字段 “{name}”（可用字段：{}）", expected.join("、"))
            }
            marked_yaml::Error::Other(msg, _) => serde_message(msg),
        };
        let mut err = YamlError::at(line, message);
        if let marked_yaml::Error::UnknownFieldError(name, expected, _) = &*e {
            err.hint = Some(crate::diagnostic::unknown_name_hint(name, expected));
        }
        err.path = path;
        err
    })
}

fn line_of_span(span: &marked_yaml::Span) -> Option<usize> {
    span.start().map(|m| m.line()).filter(|l| *l > 0)
}

/// A key written with a full-width colon, quote or space (a Chinese input
/// method's habit), which YAML reads as text and reports far away.
fn fullwidth_key(text: &str) -> Option<YamlError> {
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start().trim_start_matches("- ").trim_start();
        if body.starts_with('#') {
            continue;
        }
        let key: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '　' || *c == ' ')
            .collect();
        let key = key.trim_matches([' ', '　']);
        if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let rest = body[body.find(key).unwrap_or(0) + key.len()..].trim_start_matches([' ', '　']);
        if rest.starts_with('：') {
            return Some(
                YamlError::at(Some(i + 1), format!("字段 “{key}” 后面用了中文冒号 “：”"))
                    .hint(format!("改成英文冒号加空格，例如 {key}: 内容")),
            );
        }
        if key.contains('　')
            || (rest.starts_with(':') && line.contains('　') && line.find('　') < line.find(':'))
        {
            return Some(
                YamlError::at(Some(i + 1), "字段名中有中文全角空格")
                    .hint("删除全角空格，字段名后紧跟英文冒号和一个半角空格"),
            );
        }
    }
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if body.starts_with(['“', '‘']) && (body.contains("”:") || body.contains("’:")) {
            return Some(
                YamlError::at(Some(i + 1), "字段名用了中文引号")
                    .hint("字段名不需要引号；值需要引号时请用英文引号 \" \""),
            );
        }
    }
    None
}

/// A loader error in Chinese, with its line.
fn load_error(e: LoadError) -> YamlError {
    let line = |m: &marked_yaml::Marker| Some(m.line()).filter(|l| *l > 0);
    match e {
        LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
            YamlError::at(line(&m), "应写成 “字段: 值” 的形式")
                .hint("每行写一个字段，例如 title: 标题（冒号是英文冒号，后面有空格）")
        }
        LoadError::UnexpectedAnchor(m) => {
            YamlError::at(line(&m), "不支持 YAML 的锚点和引用（& 与 *）")
                .hint("以 & 或 * 开头的文字请加英文引号，例如 summary: \"*重要*\"")
        }
        LoadError::UnexpectedTag(m) => YamlError::at(line(&m), "不支持 YAML 标签（以 ! 开头的值）")
            .hint("以 ! 开头的文字请加英文引号，例如 title: \"！紧急通知\""),
        LoadError::MappingKeyMustBeScalar(m) => {
            YamlError::at(line(&m), "字段名只能是文字").hint("检查这一行的缩进和冒号")
        }
        LoadError::DuplicateKey(d) => {
            let first = line_of_span(d.prev_key.span());
            let at = line_of_span(d.key.span());
            let mut err = YamlError::at(
                at,
                format!(
                    "字段 “{}” 写了两次{}",
                    d.key.as_str(),
                    first
                        .map(|l| format!("（第 {l} 行已写过）"))
                        .unwrap_or_default()
                ),
            )
            .hint("删除其中一个");
            err.path = Some(d.key.as_str().to_string());
            err
        }
        LoadError::ScanError(m, scan) => {
            let (message, hint) = scan_message(scan.info());
            YamlError::at(
                line(&m).or(Some(scan.marker().line())),
                format!("YAML 格式错误：{message}"),
            )
            .hint(hint)
        }
    }
}

/// The parser's English description of a syntax error, told in Chinese.
fn scan_message(raw: &str) -> (String, String) {
    let pair = |m: &str, h: &str| (m.to_string(), h.to_string());
    if raw.contains("recursion limit") {
        return pair(
            "方括号或花括号嵌套层数过多",
            "检查 [ ] 与 { } 是否成对；列表请写成 [甲, 乙]",
        );
    }
    if raw.contains("mapping values are not allowed") {
        return pair(
            "这一行的冒号位置不对",
            "值里含有 “: ” 时请给整个值加英文引号；检查上一行的缩进",
        );
    }
    if raw.contains("']'") {
        return pair(
            "方括号 [ ] 没有成对",
            "列表写成 [甲, 乙]，或每项一行以 - 开头",
        );
    }
    if raw.contains("'}'") {
        return pair("花括号 { } 没有成对", "检查 { } 是否成对");
    }
    if raw.contains("quoted scalar") {
        return pair("引号没有成对", "检查这一行的英文引号 \" 或 ' 是否成对");
    }
    if raw.contains("tab") {
        return pair("不能用 Tab 键缩进", "请用空格缩进");
    }
    if raw.contains("'-' indicator") || raw.contains("block sequence") {
        return pair("列表项（以 - 开头的行）的缩进不对", "同一列表的各项要对齐");
    }
    if raw.contains("expected key") || raw.contains("indentation") || raw.contains("simple key") {
        return pair(
            "缩进不对齐或缺少冒号",
            "同一层的字段要左对齐；字段名后写英文冒号加空格",
        );
    }
    if raw.contains("unexpected character") {
        return pair("有无法识别的字符", "以特殊符号开头的文字请加英文引号");
    }
    if raw.contains("anchor") || raw.contains("alias") {
        return pair(
            "不支持 YAML 的锚点和引用（& 与 *）",
            "以 & 或 * 开头的文字请加英文引号",
        );
    }
    pair(
        "格式错误，无法读取",
        "检查冒号后是否有空格、缩进是否对齐、引号和括号是否成对",
    )
}

/// serde's English messages about a value, told in Chinese.
fn serde_message(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "类型不对：写的是{}，这里需要{}",
            type_name(found),
            type_name(expected)
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "")
            .replace(", ", "、");
        return format!("取值 “{name}” 不可用（可用取值：{expected}）");
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("缺少必填字段 “{name}”");
    }
    if msg.contains("did not match any variant") {
        return "写法不对：这里应是一项文字，或用 [ ] 写成的列表".to_string();
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        let n = rest.split(',').next().unwrap_or(rest);
        return format!("个数不对（写了 {n} 项）");
    }
    "取值无效".to_string()
}

fn type_name(s: &str) -> String {
    let s = s.trim();
    let table = [
        ("a string", "文字"),
        ("string", "文字"),
        ("a sequence", "列表"),
        ("sequence", "列表"),
        ("a map", "键值对"),
        ("map", "键值对"),
        ("struct", "键值对"),
        ("a boolean", "true/false"),
        ("boolean", "true/false"),
        ("u32", "正整数"),
        ("u16", "正整数"),
        ("u64", "正整数"),
        ("usize", "正整数"),
        ("integer", "整数"),
        ("unit value", "空值"),
        ("option", "可省略的值"),
    ];
    for (en, zh) in table {
        if s == en || s.starts_with(&format!("{en} ")) {
            return format!(" {zh}{}", s[en.len()..].trim_end());
        }
    }
    format!(" {s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct T {
        title: Option<String>,
        doc_number: Option<String>,
        tags: Vec<String>,
        draft: bool,
        items: Vec<Item>,
    }

    #[derive(serde::Deserialize, Default, Debug)]
    struct Item {
        #[allow(dead_code)]
        path: String,
    }

    #[test]
    fn numbers_are_read_as_written_text() {
        let t: T = parse("title: 2026\ndoc_number: 07\ntags: [1, 二]\n")
            .unwrap()
            .deserialize()
            .unwrap();
        assert_eq!(t.title.as_deref(), Some("2026"));
        assert_eq!(t.doc_number.as_deref(), Some("07"));
        assert_eq!(t.tags, ["1", "二"]);
    }

    #[test]
    fn lines_of_nested_keys() {
        let text = "title: a\nitems:\n  - path: x\n  - path: y\n";
        let doc = parse(text).unwrap();
        assert_eq!(doc.line_of("title"), Some(1));
        assert_eq!(doc.line_of("items"), Some(2));
        assert_eq!(doc.line_of("items[1]"), Some(4));
        assert_eq!(doc.line_of("items[1].path"), Some(4));
        assert_eq!(doc.line_of("nope"), None);
    }

    #[test]
    fn type_errors_name_path_and_line() {
        let text = "title: a\nitems:\n  - path: x\n  - path: [y]\n";
        let e = parse(text).unwrap().deserialize::<T>().unwrap_err();
        assert_eq!(e.path.as_deref(), Some("items[1].path"));
        assert_eq!(e.field().as_deref(), Some("path"));
        assert_eq!(e.line, Some(4));
        assert!(e.message.contains("文字"), "{}", e.message);
        let e = parse("draft: maybe\n")
            .unwrap()
            .deserialize::<T>()
            .unwrap_err();
        assert_eq!((e.line, e.field().as_deref()), (Some(1), Some("draft")));
    }

    #[test]
    fn syntax_errors_are_chinese_with_lines() {
        let e = parse("title: a\ntags: [a, b\n").err().unwrap();
        assert!(e.line.is_some());
        assert!(!e.message.is_ascii());
        let e = parse(&format!("summary: {}", "[".repeat(40_000)))
            .err()
            .unwrap();
        assert!(e.message.contains("嵌套"), "{}", e.message);
        let e = parse("title: a\ntitle: b\n").err().unwrap();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn fullwidth_colons_are_found_on_their_line() {
        let e = parse("title: a\ndate：2026-11-20\n").err().unwrap();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("中文冒号"), "{}", e.message);
        // A full-width colon inside a value is fine.
        assert!(parse("title: 通知：关于换届\n").is_ok());
    }

    #[test]
    fn limits() {
        let many: String = (0..300).map(|i| format!("k{i}: v\n")).collect();
        assert!(parse(&many).err().unwrap().message.contains("字段过多"));
        let big = format!("title: {}\n", "字".repeat(MAX_BYTES));
        assert!(parse(&big).is_err());
        assert!(parse("").unwrap().root().is_empty());
        assert!(parse("# 注释\n").unwrap().root().is_empty());
    }
}
