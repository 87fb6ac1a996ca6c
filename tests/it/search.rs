//! Search: the index holds what the gate published and nothing else, finds
//! items by the words in them, and is the same bytes on every build.
//!
//! The index files are read back here by a decoder of their own (the
//! format of docs/search.md), not by the code that wrote them: a marker is
//! absent when no posting of any of its tokens exists in any chunk and its
//! text is in no file at all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{NOW, TestSite};

/// The index of a built site, decoded.
struct Index {
    docs: usize,
    /// Token → the items having it, from every chunk.
    tokens: BTreeMap<String, Vec<u32>>,
    /// Filter files: value → items.
    kinds: BTreeMap<String, Vec<u32>>,
    branches: BTreeMap<String, Vec<u32>>,
    /// Item → its result file.
    fragments: BTreeMap<u32, serde_json::Value>,
    /// Every index file's text, for plain searches.
    raw: Vec<(String, Vec<u8>)>,
}

fn varint(b: &[u8], p: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let byte = b[*p];
        *p += 1;
        v |= u32::from(byte & 0x7F) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return v;
        }
    }
}

/// The entries of a chunk or filter file.
fn entries(b: &[u8], docs: usize) -> Vec<(String, Vec<u32>)> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < b.len() {
        let len = varint(b, &mut p) as usize;
        let token = String::from_utf8(b[p..p + len].to_vec()).unwrap();
        p += len;
        let df = varint(b, &mut p) as usize;
        let kind = b[p];
        p += 1;
        let plen = varint(b, &mut p) as usize;
        let payload = &b[p..p + plen];
        p += plen;
        let mut list = Vec::new();
        if kind == 1 {
            assert_eq!(payload.len(), docs.div_ceil(8), "{token}: bitmap size");
            for d in 0..docs {
                if payload[d / 8] & (1 << (d % 8)) != 0 {
                    list.push(d as u32);
                }
            }
        } else {
            let mut q = 0;
            while q < payload.len() {
                let gap = varint(payload, &mut q);
                list.push(list.last().map_or(gap, |l| l + gap));
                q += 1; // weight
            }
        }
        assert_eq!(list.len(), df, "{token}: count");
        out.push((token, list));
    }
    out
}

impl Index {
    fn read(out: &Path) -> Index {
        Index::of(&TestSite::tree(&out.join("search/i")))
    }

    /// The index among `files` (paths relative to the index folder).
    fn of(files: &BTreeMap<String, Vec<u8>>) -> Index {
        let file = |name: &str| {
            files
                .get(name)
                .unwrap_or_else(|| panic!("no index file {name}"))
                .as_slice()
        };
        let manifest: serde_json::Value = serde_json::from_slice(file("manifest.json")).unwrap();
        assert_eq!(manifest["format"], 1);
        let docs = manifest["docs"].as_u64().unwrap() as usize;
        let firsts: Vec<String> = manifest["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut tokens = BTreeMap::new();
        for (n, first) in firsts.iter().enumerate() {
            let chunk = entries(file(&format!("c/{n}.bin")), docs);
            assert_eq!(&chunk[0].0, first, "chunk {n} starts with its listed token");
            tokens.extend(chunk);
        }
        let filter = |name: &str| entries(file(name), docs).into_iter().collect();
        let fragments = (0..docs as u32)
            .map(|d| {
                let f = file(&format!("f/{d}.json"));
                (d, serde_json::from_slice(f).unwrap())
            })
            .collect();
        Index {
            docs,
            tokens,
            kinds: filter("k.bin"),
            branches: filter("b.bin"),
            fragments,
            raw: files.iter().map(|(p, b)| (p.clone(), b.clone())).collect(),
        }
    }

    /// URLs of the items having every token of `query` (CJK runs by their
    /// pairs, or the character alone; runs of ASCII letters and digits as
    /// lowercase words).
    fn find(&self, query: &str) -> Vec<String> {
        let mut docs: Option<BTreeSet<u32>> = None;
        for token in query_tokens(query) {
            let have: BTreeSet<u32> = self
                .tokens
                .get(&token)
                .map(|l| l.iter().copied().collect())
                .unwrap_or_default();
            docs = Some(match docs {
                None => have,
                Some(d) => d.intersection(&have).copied().collect(),
            });
        }
        docs.unwrap_or_default()
            .into_iter()
            .map(|d| self.fragments[&d]["u"].as_str().unwrap().to_string())
            .collect()
    }

    /// Files of the index whose text contains `s`.
    fn files_with(&self, s: &str) -> Vec<&str> {
        self.raw
            .iter()
            .filter(|(_, b)| String::from_utf8_lossy(b).contains(s))
            .map(|(p, _)| p.as_str())
            .collect()
    }
}

fn query_tokens(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<String>| {
        let cs: Vec<char> = run.chars().collect();
        if cs.first().is_some_and(|c| c.is_ascii_alphanumeric()) {
            out.push(run.to_ascii_lowercase());
        } else if cs.len() == 1 {
            out.push(run.clone());
        } else {
            out.extend(cs.windows(2).map(|w| w.iter().collect::<String>()));
        }
        run.clear();
    };
    for c in query.chars() {
        let ascii = c.is_ascii_alphanumeric();
        let cjk = ('\u{4E00}'..='\u{9FFF}').contains(&c);
        let same = run
            .chars()
            .next()
            .is_some_and(|f| f.is_ascii_alphanumeric() == ascii);
        if !run.is_empty() && (!(ascii || cjk) || !same) {
            flush(&mut run, &mut out);
        }
        if ascii || cjk {
            run.push(c);
        }
    }
    if !run.is_empty() {
        flush(&mut run, &mut out);
    }
    out
}

/// Items with words people search for.
fn add_searchable(site: &TestSite) {
    site.write(
        "content/notices/lianxue.md",
        "---\ntitle: 关于深入开展两学一做学习教育的通知\ndate: 2026-11-10 09:00\nbranch: village\n---\n各支部要把两学一做与三会一课结合起来，按时收缴2026年党费。\n",
    );
    site.write(
        "content/news/fazhan.md",
        "---\ntitle: 确定发展对象\ndate: 2026-11-11 09:00\nbranch: town\ntags: [发展党员]\n---\n支部委员会研究确定了两名发展对象。\n",
    );
}

/// Unpublished items, each with its own markers (Chinese and ASCII).
fn add_unpublished(site: &TestSite) {
    let item = |extra: &str, title: &str, body: &str| {
        format!("---\ntitle: {title}\ndate: 2026-11-09 09:00\n{extra}---\n{body}\n")
    };
    site.write(
        "content/news/s-draft.md",
        &item("draft: true\n", "草稿标题甲", "草稿正文乙 qzdraftword"),
    );
    site.write(
        "content/news/s-future.md",
        &item("", "未来标题丙", "未来正文丁 qzfutureword").replace("2026-11-09", "2026-12-30"),
    );
    site.write(
        "content/news/s-party.md",
        &item("scope: party\n", "党内标题戊", "党内正文己 qzpartyword"),
    );
    site.write(
        "content/news/s-unit.md",
        &item("scope: unit\n", "单位标题庚", "单位正文辛 qzunitword"),
    );
    // Ended 2026-11-16 (5 working days), withdrawn at NOW.
    site.write(
        "content/disclosure/s-withdrawn.md",
        "---\ntitle: 发展党员公示撤下\ndate: 2026-11-10\ncategory: membership\nafter_period: withdraw\nperiod:\n  start: 2026-11-10\npersons:\n  - name: 欧阳秘密\n    gender: 男\n    stage: 拟列为发展对象\n  - name: qzpersonname\n---\n撤下正文壬 qzwithdrawnword\n",
    );
}

const UNPUBLISHED: &[&str] = &[
    "草稿标题甲",
    "草稿正文乙",
    "qzdraftword",
    "未来标题丙",
    "未来正文丁",
    "qzfutureword",
    "党内标题戊",
    "党内正文己",
    "qzpartyword",
    "单位标题庚",
    "单位正文辛",
    "qzunitword",
    "欧阳秘密",
    "qzpersonname",
    "撤下正文壬",
    "qzwithdrawnword",
];

/// Markers the index can neither find nor show.
fn present<'a>(index: &Index, markers: &[&'a str]) -> Vec<&'a str> {
    markers
        .iter()
        .copied()
        .filter(|m| !index.find(m).is_empty() || !index.files_with(m).is_empty())
        .collect()
}

#[test]
fn the_index_finds_published_items_by_the_words_in_them() {
    let site = TestSite::basic();
    add_searchable(&site);
    site.build_ok();
    let index = Index::read(&site.out());
    let lianxue = "/notices/lianxue/";
    for q in [
        "两学一做",
        "三会一课",
        "2026年党费",
        "党费",
        "费",
        "学",
        "测试村党支部",
    ] {
        assert!(index.find(q).contains(&lianxue.to_string()), "{q}");
    }
    assert_eq!(index.find("发展对象"), ["/news/fazhan/"]);
    assert_eq!(index.find("两学一做发展对象"), Vec::<String>::new());
    // Filters: kinds and branches (a town's filter holds its villages' items).
    let doc = |url: &str| {
        *index
            .fragments
            .iter()
            .find(|(_, f)| f["u"] == url)
            .unwrap()
            .0
    };
    assert!(index.kinds["notices"].contains(&doc(lianxue)));
    assert!(index.branches["village"].contains(&doc(lianxue)));
    assert!(index.branches["town"].contains(&doc(lianxue)));
    assert!(index.branches["county"].contains(&doc(lianxue)));
    assert!(!index.branches["village"].contains(&doc("/news/fazhan/")));
    // A result shows title, kind, date and branch.
    let f = &index.fragments[&doc(lianxue)];
    assert_eq!(f["t"], "关于深入开展两学一做学习教育的通知");
    assert_eq!(f["k"], "通知公告");
    assert_eq!(f["d"], "2026年11月10日");
    assert_eq!(f["b"], "测试村党支部");
    assert!(f["x"].as_str().unwrap().starts_with("各支部要把两学一做"));
}

#[test]
fn every_published_item_is_indexed_once() {
    let site = TestSite::basic();
    let out = site.build(&[]).success().get_output().stdout.clone();
    let stdout = String::from_utf8(out).unwrap();
    let published: usize = stdout
        .split("发布 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    let index = Index::read(&site.out());
    assert_eq!(index.docs, published);
    let urls: BTreeSet<&str> = index
        .fragments
        .values()
        .map(|f| f["u"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), published);
    for url in urls {
        let page = format!("{}index.html", url.trim_start_matches('/'));
        assert!(site.exists(&page), "{url} is a page of the site");
    }
}

#[test]
fn a_public_index_holds_nothing_unpublished() {
    let site = TestSite::basic();
    add_unpublished(&site);
    site.build_ok();
    let index = Index::read(&site.out());
    assert_eq!(present(&index, UNPUBLISHED), Vec::<&str>::new());
    // The fixture's own gated items: their ASCII markers share the word
    // "marker", which nothing published has.
    assert!(!index.tokens.contains_key("marker"));
    assert!(index.find("党内专属标签").is_empty());
    // The withdrawn 公示 is there as its stub: title, no body, no names.
    assert_eq!(index.find("发展党员公示撤下").len(), 1);
    // The search page lists no unpublished item either.
    let page = site.read("search/index.html");
    for m in UNPUBLISHED {
        assert!(!page.contains(m), "{m}");
    }
}

#[test]
fn a_party_index_adds_party_items_only() {
    let site = TestSite::basic();
    add_unpublished(&site);
    site.build(&["--scope", "party"]).success();
    let index = Index::read(&site.out());
    assert_eq!(index.find("党内正文己").len(), 1);
    assert_eq!(index.find("qzpartyword").len(), 1);
    assert_eq!(index.find("党内专属标签").len(), 1);
    let others: Vec<&str> = UNPUBLISHED
        .iter()
        .copied()
        .filter(|m| !m.contains("党内") && *m != "qzpartyword")
        .collect();
    assert_eq!(present(&index, &others), Vec::<&str>::new());
}

#[test]
fn two_builds_give_the_same_index() {
    let site = TestSite::basic();
    add_searchable(&site);
    let a = site.root().join("out-a");
    let b = site.root().join("out-b");
    for out in [&a, &b] {
        site.run("build", &["--now", NOW, "--out", out.to_str().unwrap()])
            .success();
    }
    let (ta, tb) = (
        TestSite::tree(&a.join("search")),
        TestSite::tree(&b.join("search")),
    );
    assert!(ta.len() > 10, "{}", ta.len());
    assert!(ta == tb, "index files differ between two builds");
}

#[test]
fn search_can_be_turned_off() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}search:\n  enabled: false\n"));
    site.build_ok();
    assert!(!site.exists("search"));
    assert!(!site.exists("search.js") && !site.exists("search.css"));
    assert!(!site.read("index.html").contains("role=\"search\""));
    // A misspelt key names the right one.
    site.write("site.yaml", &format!("{yaml}search:\n  enable: false\n"));
    let err = site.build_err();
    assert!(
        err.contains("search.enable") && err.contains("enabled"),
        "{err}"
    );
}

#[test]
fn the_search_page_explains_itself_without_javascript() {
    let site = TestSite::basic();
    site.build_ok();
    let page = site.read("search/index.html");
    assert!(page.contains("搜索需要浏览器开启 JavaScript"));
    for listing in [
        "/notices/",
        "/news/",
        "/lessons/",
        "/disclosure/",
        "/branches/",
    ] {
        assert!(page.contains(&format!("href=\"{listing}\"")), "{listing}");
    }
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(page.contains("data-index=\"/search/i/\""));
    assert!(!site.read("sitemap.xml").contains("/search/"));
    // Every page has the search box, which works without JavaScript.
    let home = site.read("index.html");
    assert!(home.contains("<form class=\"site-search\" role=\"search\""));
    assert!(home.contains("action=\"/search/\" method=\"get\""));
    assert!(
        !home.contains("search.js"),
        "the search script loads on the search page only"
    );
}

/// The preview's files under `search/i/`, relative to it.
fn preview_index(files: BTreeMap<String, Vec<u8>>) -> Index {
    let inside = files
        .into_iter()
        .filter_map(|(p, b)| Some((p.strip_prefix("search/i/")?.to_string(), b)))
        .collect();
    Index::of(&inside)
}

#[test]
fn the_preview_indexes_in_the_background() {
    use dangjian::serve::engine::Engine;
    let site = TestSite::basic();
    let opts = dangjian::BuildOptions {
        scope: dangjian::content::Scope::Unit,
        drafts: true,
        future: true,
        preview: true,
        now: Some(NOW.into()),
        ..dangjian::BuildOptions::new(site.root())
    };
    let mut engine = Engine::new(opts);
    engine.rebuild(&[]).unwrap();
    // The preview finds what it shows: drafts and party items too.
    let index = preview_index(engine.read_all());
    assert!(index.tokens.contains_key("marker"));
    assert_eq!(index.find("党内专属标签").len(), 1);
    // An edit reloads at once; the index follows in the background.
    let rel = "content/news/third.md";
    let text = std::fs::read_to_string(site.root().join(rel)).unwrap();
    site.write(rel, &format!("{text}\n\n预览新词 qzpreviewword\n"));
    engine.rebuild(&[rel.into()]).unwrap();
    assert_eq!(
        preview_index(engine.read_all()).find("qzpreviewword"),
        ["/news/third/"]
    );
    // Turning search off removes the index from the preview.
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}search:\n  enabled: false\n"));
    engine.rebuild(&["site.yaml".into()]).unwrap();
    let files = engine.read_all();
    assert!(
        !files.keys().any(|p| p.starts_with("search")),
        "{:?}",
        files.keys()
    );
}

#[test]
fn pulled_entries_are_listed_but_not_indexed() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let url = "https://cun.example.org/atom.xml";
    site.write(
        "site.yaml",
        &format!("{yaml}sources:\n  - id: cun\n    url: {url}\n    branch: village\n"),
    );
    let entry = serde_json::json!({
        "id": "https://cun.example.org/news/a/",
        "title": "村里的动态 qzpulledword",
        "link": "https://cun.example.org/news/a/",
        "published": "2026-11-19T08:00:00+00:00",
        "updated": "2026-11-19T08:00:00+00:00",
        "summary": "上游摘要 qzpulledsummary",
        "content": null,
        "author": null,
        "categories": []
    });
    let cache = serde_json::json!({
        "format": 1, "id": "cun", "url": url, "etag": null, "last_modified": null,
        "last_attempt": "2026-11-21T08:00:00+08:00",
        "last_success": "2026-11-21T08:00:00+08:00", "last_error": null,
        "feed": {"title": "村党支部", "link": "https://cun.example.org/", "format": "atom"},
        "entries": [entry]
    });
    site.write(
        ".dangjian-cache/sources/cun.json",
        &serde_json::to_string_pretty(&cache).unwrap(),
    );
    site.build_ok();
    assert!(site.read("jiceng/index.html").contains("qzpulledword"));
    let index = Index::read(&site.out());
    assert_eq!(
        present(&index, &["qzpulledword", "qzpulledsummary"]),
        Vec::<&str>::new()
    );
}
