//! The index files: postings of every token, split into small chunks so a
//! phone downloads only the ones its query needs, plus one small file per
//! item with what a result shows. The format is described in
//! `docs/search.md`; `themes/default/static/search.js` reads it.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::tokens::{self, Token};

/// Version of the format, in the manifest.
pub(crate) const FORMAT: u32 = 1;
/// A chunk is closed once it reaches this size (one token's postings may
/// make a chunk larger on its own).
const CHUNK_BYTES: usize = 8 * 1024;
/// Characters of body text kept in a result's file for its excerpt.
pub(crate) const EXCERPT_CHARS: usize = 1500;
/// Highest term count stored for an item (7 bits).
const MAX_TF: u32 = 127;
const TITLE_BIT: u8 = 0x80;

/// One searchable item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Doc {
    pub(crate) url: String,
    pub(crate) title: String,
    /// The kind's folder name (`notices`) and its label (通知公告).
    pub(crate) kind: &'static str,
    pub(crate) kind_label: &'static str,
    /// `2026年11月20日` and `2026-11-20`.
    pub(crate) date_zh: Option<String>,
    pub(crate) date_ymd: Option<String>,
    /// The item's branch name, shown with the result.
    pub(crate) branch: Option<String>,
    /// Ids of the item's branch and of its ancestors: the branch filter.
    pub(crate) branch_ids: Vec<String>,
    /// The searchable text besides the title.
    pub(crate) text: String,
}

/// One output file: path under the index folder and bytes.
pub(crate) type File = (String, Vec<u8>);

/// What an item's result file holds.
#[derive(Serialize)]
struct Fragment<'a> {
    u: &'a str,
    t: &'a str,
    k: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<&'a str>,
    x: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: u32,
    /// A hash of every other index file: appended to their URLs so caches
    /// never mix two builds.
    build: String,
    docs: usize,
    /// First token of each chunk `c/<n>.bin`, in search order.
    chunks: &'a [String],
    /// Characters of text kept per result.
    excerpt: usize,
}

/// A token as stored: characters as chars, words as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Chars(char, Option<char>),
    Word(Box<str>),
}

impl Key {
    fn of(t: Token<'_>) -> Key {
        match t {
            Token::Word(w) => Key::Word(w.into()),
            Token::Chars(a, b) => Key::Chars(a, b),
        }
    }

    fn text(&self) -> String {
        match self {
            Key::Word(w) => w.to_string(),
            Key::Chars(a, b) => Token::Chars(*a, *b).to_text(),
        }
    }
}

/// Items tokenized at a time: enough to keep both cores busy, few enough
/// that their token lists never weigh much (postings are kept encoded).
const BATCH: usize = 256;

/// One token's postings so far, already encoded as the list format.
#[derive(Default)]
struct Posting {
    df: u32,
    last: u32,
    list: Vec<u8>,
}

impl Posting {
    fn push(&mut self, doc: u32, w: u8) {
        varint(
            &mut self.list,
            if self.df == 0 { doc } else { doc - self.last },
        );
        self.list.push(w);
        self.df += 1;
        self.last = doc;
    }
}

/// An item made, tokenized and turned into its result file.
type Made = (Vec<(Key, u8)>, File, Doc);

/// Every file of the index of `n_docs` items, item `n` made by `doc(n)`.
/// Items are made, tokenized and turned into result files a batch at a
/// time, so their text is never all in memory at once.
pub fn build(n_docs: usize, doc: impl Fn(usize) -> Doc + Sync) -> Vec<File> {
    let mut postings: FxHashMap<Key, Posting> = FxHashMap::default();
    let mut kinds: Vec<&'static str> = Vec::with_capacity(n_docs);
    let mut branches: Vec<Vec<String>> = Vec::with_capacity(n_docs);
    let mut files: Vec<File> = Vec::with_capacity(n_docs + 64);
    for start in (0..n_docs).step_by(BATCH) {
        let made: Vec<Made> = (start..(start + BATCH).min(n_docs))
            .into_par_iter()
            .map(|n| {
                let mut d = doc(n);
                let tokens = doc_tokens(&d);
                let file = fragment(n, &d);
                d.text = String::new();
                (tokens, file, d)
            })
            .collect();
        for (i, (list, file, d)) in made.into_iter().enumerate() {
            for (key, w) in list {
                postings.entry(key).or_default().push((start + i) as u32, w);
            }
            files.push(file);
            kinds.push(d.kind);
            branches.push(d.branch_ids);
        }
    }
    let mut entries: Vec<(String, Posting)> =
        postings.into_iter().map(|(k, p)| (k.text(), p)).collect();
    entries.par_sort_unstable_by(|a, b| search_order(&a.0, &b.0));
    let encoded: Vec<Vec<u8>> = entries
        .par_iter()
        .map(|(token, p)| entry(token, p, n_docs))
        .collect();
    // The postings are encoded: keep only the tokens.
    let tokens: Vec<String> = entries.into_iter().map(|(t, _)| t).collect();
    let mut firsts = Vec::new();
    let mut chunk: Vec<u8> = Vec::new();
    for (token, bytes) in tokens.iter().zip(encoded) {
        if chunk.is_empty() {
            firsts.push(token.clone());
        }
        chunk.extend(bytes);
        if chunk.len() >= CHUNK_BYTES {
            files.push((
                format!("c/{}.bin", firsts.len() - 1),
                std::mem::take(&mut chunk),
            ));
        }
    }
    if !chunk.is_empty() {
        files.push((format!("c/{}.bin", firsts.len() - 1), chunk));
    }
    let kinds = kinds.iter().map(|k| vec![k.to_string()]);
    files.push(("k.bin".into(), filter(n_docs, kinds)));
    files.push(("b.bin".into(), filter(n_docs, branches.into_iter())));
    let mut hash = Fnv::default();
    for (path, bytes) in &files {
        hash.write(path.as_bytes());
        hash.write(bytes);
    }
    let manifest = Manifest {
        format: FORMAT,
        build: format!("{:016x}", hash.0),
        docs: n_docs,
        chunks: &firsts,
        excerpt: EXCERPT_CHARS,
    };
    let json = serde_json::to_vec(&manifest).unwrap_or_default();
    files.push(("manifest.json".into(), json));
    files
}

/// An item's tokens with their weight: how often each occurs (title and
/// text), and whether it is in the title.
fn doc_tokens(doc: &Doc) -> Vec<(Key, u8)> {
    let mut counts: FxHashMap<Token<'_>, (u32, bool)> = FxHashMap::default();
    let title = tokens::folded(&doc.title);
    let text = tokens::folded(&doc.text);
    tokens::index_tokens(&title, |t| {
        let c = counts.entry(t).or_default();
        c.0 += 1;
        c.1 = true;
    });
    tokens::index_tokens(&text, |t| counts.entry(t).or_default().0 += 1);
    counts
        .into_iter()
        .map(|(t, (tf, in_title))| {
            let w = tf.min(MAX_TF) as u8 | if in_title { TITLE_BIT } else { 0 };
            (Key::of(t), w)
        })
        .collect()
}

/// Tokens in the order the search page compares them: UTF-16 code units,
/// as JavaScript compares strings.
fn search_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// One token's entry: its text, how many items have it, and which, as a
/// list of (gap, weight) or, when shorter, a bitmap of all items.
fn entry(token: &str, p: &Posting, n_docs: usize) -> Vec<u8> {
    let bitmap_len = n_docs.div_ceil(8);
    let bitmap = (bitmap_len < p.list.len()).then(|| {
        let mut bits = vec![0u8; bitmap_len];
        let (mut at, mut doc) = (0, 0u32);
        for i in 0..p.df {
            let (gap, used) = read_varint(&p.list[at..]);
            doc = if i == 0 { gap } else { doc + gap };
            at += used + 1;
            bits[doc as usize / 8] |= 1 << (doc % 8);
        }
        bits
    });
    let (kind, payload) = match &bitmap {
        Some(bits) => (1u8, bits.as_slice()),
        None => (0u8, p.list.as_slice()),
    };
    let mut out = Vec::with_capacity(token.len() + payload.len() + 12);
    varint(&mut out, token.len() as u32);
    out.extend_from_slice(token.as_bytes());
    varint(&mut out, p.df);
    out.push(kind);
    varint(&mut out, payload.len() as u32);
    out.extend_from_slice(payload);
    out
}

/// A filter file: one entry per value, listing the items that have it
/// (`values` yields each item's values, in item order).
fn filter(n_docs: usize, values: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut by_value: std::collections::BTreeMap<String, Posting> = Default::default();
    for (n, vs) in values.enumerate() {
        for v in vs {
            by_value.entry(v).or_default().push(n as u32, 1);
        }
    }
    by_value
        .iter()
        .flat_map(|(v, p)| entry(v, p, n_docs))
        .collect()
}

fn fragment(n: usize, doc: &Doc) -> File {
    let f = Fragment {
        u: &doc.url,
        t: &doc.title,
        k: doc.kind_label,
        d: doc.date_zh.as_deref(),
        i: doc.date_ymd.as_deref(),
        b: doc.branch.as_deref(),
        x: doc.text.chars().take(EXCERPT_CHARS).collect(),
    };
    (
        format!("f/{n}.json"),
        serde_json::to_vec(&f).unwrap_or_default(),
    )
}

/// A varint at the start of `bytes`, and how many bytes it took.
fn read_varint(bytes: &[u8]) -> (u32, usize) {
    let mut v = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        v |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    (v, bytes.len())
}

fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// FNV-1a, 64 bits: a stable hash for the build id (the same bytes give
/// the same id on every machine).
struct Fnv(u64);
impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}
impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, text: &str) -> Doc {
        Doc {
            url: format!("/{title}/"),
            title: title.into(),
            kind: "news",
            kind_label: "党建动态",
            date_zh: None,
            date_ymd: None,
            branch: None,
            branch_ids: vec!["root".into()],
            text: text.into(),
        }
    }

    fn posting(docs: &[(u32, u8)]) -> Posting {
        let mut p = Posting::default();
        for &(d, w) in docs {
            p.push(d, w);
        }
        p
    }

    #[test]
    fn entries_choose_the_shorter_encoding() {
        // Three of four items: a bitmap (1 byte) beats a list (6 bytes).
        let e = entry("党", &posting(&[(0, 1), (1, 1), (3, 1)]), 4);
        assert_eq!(e, [3, 0xE5, 0x85, 0x9A, 3, 1, 1, 0b1011]);
        // One of a thousand: a list, gap then weight.
        let e = entry("a", &posting(&[(300, 0x82)]), 1000);
        assert_eq!(e, [1, b'a', 1, 0, 3, 0xAC, 0x02, 0x82]);
    }

    #[test]
    fn the_same_docs_give_the_same_files() {
        let docs = [doc("主题党日", "三会一课。2026年党费"), doc("换届", "选举")];
        let make = |n: usize| docs[n].clone();
        assert_eq!(build(2, make), build(2, make));
        let names: Vec<String> = build(2, make).into_iter().map(|f| f.0).collect();
        assert_eq!(
            names,
            [
                "f/0.json",
                "f/1.json",
                "c/0.bin",
                "k.bin",
                "b.bin",
                "manifest.json"
            ]
        );
    }

    #[test]
    fn weights_count_and_mark_the_title() {
        let toks = doc_tokens(&doc("党费", "党费 党费"));
        let w = toks
            .iter()
            .find(|(k, _)| *k == Key::Chars('党', Some('费')))
            .unwrap()
            .1;
        assert_eq!(w, 3 | TITLE_BIT);
    }

    #[test]
    fn search_order_is_javascript_order() {
        // U+20000 (a surrogate pair in UTF-16) sorts before U+FF01 in
        // JavaScript, after it by code point.
        assert_eq!(
            search_order("\u{20000}", "\u{FF01}"),
            std::cmp::Ordering::Less
        );
    }
}
