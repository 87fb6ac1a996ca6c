//! Small helpers over serde_yaml: key checking with line numbers.
//!
//! serde_yaml's `Value` carries no positions, so key lines are found by
//! scanning the text; a key's first occurrence at or after a line is
//! what editors see in their file.

use serde_yaml::{Mapping, Value};

/// 1-based line (within `text`) of the first `key:` at or after `from_line`.
pub fn key_line(text: &str, key: &str, from_line: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find(|(_, line)| {
            let l = line.trim_start().trim_start_matches("- ").trim_start();
            let l = l.trim_start_matches(['"', '\'']);
            l.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start_matches(['"', '\'']).trim_start();
                rest.starts_with(':')
            })
        })
        .map(|(i, _)| i + 1)
}

/// A key of a mapping that is not in `known`, with the line where it stands.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownKey {
    pub key: String,
    pub line: Option<usize>,
}

/// Keys of `map` not listed in `known`, in the order they appear.
pub fn unknown_keys(
    map: &Mapping,
    known: &[&str],
    text: &str,
    from_line: usize,
) -> Vec<UnknownKey> {
    map.keys()
        .filter_map(|k| {
            let name = match k {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            (!known.contains(&name.as_str())).then(|| UnknownKey {
                line: key_line(text, &name, from_line),
                key: name,
            })
        })
        .collect()
}

/// The 1-based line a serde_yaml error points at, if it carries one.
pub fn error_line(err: &serde_yaml::Error) -> Option<usize> {
    err.location().map(|l| l.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_key_lines() {
        let text = "title: a\nfooter:\n  icp: x\nchildren:\n  - id: b\n    name: c\n";
        assert_eq!(key_line(text, "title", 1), Some(1));
        assert_eq!(key_line(text, "icp", 1), Some(3));
        assert_eq!(key_line(text, "id", 1), Some(5));
        assert_eq!(key_line(text, "name", 5), Some(6));
        assert_eq!(key_line(text, "nope", 1), None);
    }
}
