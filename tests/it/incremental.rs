//! The preview's incremental rebuild equals a full build, after any
//! sequence of edits, creations, deletions and renames.

use std::path::{Path, PathBuf};

use dangjian::BuildOptions;
use dangjian::content::Scope;
use dangjian::serve::engine::{Engine, full_build};
use proptest::prelude::*;
use walkdir::WalkDir;

use crate::support::{NOW, TestSite};

/// One change an editor might make; indices pick among the current files.
#[derive(Debug, Clone)]
enum Op {
    EditBody(usize, u8),
    EditTitle(usize, u8),
    EditDate(usize, u8),
    ToggleDraft(usize),
    Create(u8, u8),
    Delete(usize),
    Rename(usize, u8),
    Break(usize),
    Template(u8),
    Static(u8),
    Config(u8),
    Asset(u8),
    DeleteBundle,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::EditBody(i, n)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::EditTitle(i, n)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::EditDate(i, n)),
        1 => any::<usize>().prop_map(Op::ToggleDraft),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(k, n)| Op::Create(k, n)),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::Rename(i, n)),
        1 => any::<usize>().prop_map(Op::Break),
        1 => any::<u8>().prop_map(Op::Template),
        1 => any::<u8>().prop_map(Op::Static),
        1 => any::<u8>().prop_map(Op::Config),
        1 => any::<u8>().prop_map(Op::Asset),
        1 => Just(Op::DeleteBundle),
    ]
}

/// Item sources (not `_index.md`), relative to the root, sorted.
fn items(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .collect();
    v.sort();
    v
}

/// Replaces the first line starting with `key:` in the front matter, or adds it.
fn set_field(text: &str, key: &str, value: &str) -> String {
    let Some(rest) = text.strip_prefix("---\n") else {
        return format!("---\n{key}: {value}\n---\n{text}");
    };
    let (yaml, body) = rest.split_once("\n---\n").unwrap_or((rest, ""));
    let mut lines: Vec<String> = yaml
        .lines()
        .filter(|l| !l.starts_with(&format!("{key}:")))
        .map(String::from)
        .collect();
    lines.push(format!("{key}: {value}"));
    format!("---\n{}\n---\n{body}", lines.join("\n"))
}

/// Applies `op` and returns the paths touched, as the watcher reports them.
fn apply(site: &TestSite, op: &Op) -> Vec<PathBuf> {
    let root = site.root();
    let list = items(root);
    let pick = |i: usize| list.get(i % list.len().max(1)).cloned();
    let edit = |rel: &Path, f: &dyn Fn(&str) -> String| {
        let p = root.join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::write(&p, f(&text)).unwrap();
        vec![rel.to_path_buf()]
    };
    match *op {
        Op::EditBody(i, n) => pick(i).map_or(vec![], |p| {
            edit(&p, &|t| format!("{t}\n\n新增段落 {n}，内容有所修改。\n"))
        }),
        Op::EditTitle(i, n) => pick(i).map_or(vec![], |p| {
            edit(&p, &|t| set_field(t, "title", &format!("修改后的标题 {n}")))
        }),
        Op::EditDate(i, n) => pick(i).map_or(vec![], |p| {
            let day = 1 + n % 28;
            edit(&p, &|t| {
                set_field(t, "date", &format!("2026-11-{day:02} 10:00"))
            })
        }),
        Op::ToggleDraft(i) => pick(i).map_or(vec![], |p| {
            edit(&p, &|t| {
                let draft = t.contains("draft: true");
                set_field(t, "draft", if draft { "false" } else { "true" })
            })
        }),
        Op::Create(k, n) => {
            let (dir, extra) = match k % 3 {
                0 => ("news", "branch: village\ntags: [学习]\n"),
                1 => ("notices", "level: important\n"),
                _ => ("lessons/course-a", "order: 9\n"),
            };
            let rel = PathBuf::from(format!("content/{dir}/new-{n}.md"));
            let day = 1 + n % 28;
            site.write(
                &rel.to_string_lossy(),
                &format!(
                    "---\ntitle: 新建 {n}\ndate: 2026-11-{day:02} 08:00\n{extra}---\n正文 {n}，见[第一条](../news/first.md)。\n"
                ),
            );
            vec![rel]
        }
        Op::Delete(i) => pick(i).map_or(vec![], |p| {
            std::fs::remove_file(root.join(&p)).unwrap();
            vec![p]
        }),
        Op::Rename(i, n) => pick(i).map_or(vec![], |p| {
            if p.ends_with("index.md") {
                let dir = p.parent().unwrap().to_path_buf();
                let to = dir.with_file_name(format!("moved-{n}"));
                if root.join(&to).exists() {
                    return vec![];
                }
                std::fs::rename(root.join(&dir), root.join(&to)).unwrap();
                vec![dir, to]
            } else {
                let to = p.with_file_name(format!("renamed-{n}.md"));
                if root.join(&to).exists() {
                    return vec![];
                }
                std::fs::rename(root.join(&p), root.join(&to)).unwrap();
                vec![p, to]
            }
        }),
        Op::Break(i) => pick(i).map_or(vec![], |p| {
            edit(&p, &|t| t.replacen("title:", "title: [未闭合", 1))
        }),
        Op::Template(n) => {
            let builtin = include_str!("../../themes/default/templates/news.html");
            let rel = "themes/default/templates/news.html";
            site.write(rel, &format!("{builtin}\n<!-- 模板修改 {n} -->\n"));
            vec![rel.into()]
        }
        Op::Static(n) => {
            site.write("static/extra.css", &format!("body {{ margin: {n}px; }}\n"));
            vec!["static/extra.css".into()]
        }
        Op::Config(n) => edit(Path::new("site.yaml"), &|t| {
            let title = format!("title: 测试党建网 {n}");
            t.lines()
                .map(|l| {
                    if l.starts_with("title:") {
                        title.as_str()
                    } else {
                        l
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        }),
        Op::Asset(n) => {
            let dir = root.join("content/news/bundle-visit");
            if !dir.is_dir() {
                return vec![];
            }
            let rel = "content/news/bundle-visit/photo.png";
            std::fs::write(root.join(rel), vec![n; 10 + n as usize]).unwrap();
            vec![rel.into()]
        }
        Op::DeleteBundle => {
            let rel = PathBuf::from("content/news/bundle-visit");
            if root.join(&rel).is_dir() {
                std::fs::remove_dir_all(root.join(&rel)).unwrap();
                vec![rel]
            } else {
                vec![]
            }
        }
    }
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        scope: Scope::Unit,
        drafts: true,
        future: true,
        now: Some(NOW.into()),
        ..BuildOptions::new(root)
    }
}

/// Rebuilds incrementally after `op` and compares with a full build.
fn check_step(site: &TestSite, engine: &mut Engine, op: &Op) -> Result<(), TestCaseError> {
    let touched = apply(site, op);
    let incremental = engine.rebuild(&touched);
    let full = full_build(&options(site.root()));
    match (incremental, full) {
        (Ok(_), Ok(full)) => {
            let inc = engine.read_all();
            let inc_paths: Vec<&String> = inc.keys().collect();
            let full_paths: Vec<&String> = full.keys().collect();
            prop_assert_eq!(inc_paths, full_paths, "after {:?}", op);
            for (path, bytes) in &full {
                prop_assert!(
                    inc[path] == *bytes,
                    "{} differs after {:?}:\n--- incremental\n{}\n--- full\n{}",
                    path,
                    op,
                    String::from_utf8_lossy(&inc[path]),
                    String::from_utf8_lossy(bytes)
                );
            }
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b, "after {:?}", op),
        (a, b) => prop_assert!(
            false,
            "after {:?}: incremental ok = {}, full ok = {}: {:?} {:?}",
            op,
            a.is_ok(),
            b.is_ok(),
            a.err(),
            b.err()
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_full_build(ops in prop::collection::vec(op(), 1..8)) {
        let site = TestSite::basic();
        let mut engine = Engine::new(options(site.root()));
        engine.rebuild(&[]).expect("the fixture builds");
        for op in &ops {
            check_step(&site, &mut engine, op)?;
        }
    }
}

#[test]
fn an_edit_renders_only_what_depends_on_it() {
    let site = TestSite::basic();
    let mut engine = Engine::new(options(site.root()));
    let first = engine.rebuild(&[]).unwrap();
    assert!(first.reused == 0 && first.rendered > 20);
    let rel = "content/news/third.md";
    let text = std::fs::read_to_string(site.root().join(rel)).unwrap();
    site.write(rel, &format!("{text}\n\n补充一段。\n"));
    let u = engine.rebuild(&[rel.into()]).unwrap();
    assert!(u.reused > u.rendered, "{u:?}");
    assert!(
        u.changed.contains(&"news/third/index.html".to_string()),
        "{u:?}"
    );
    assert!(
        !u.changed.contains(&"news/first/index.html".to_string()),
        "{u:?}"
    );
    assert_eq!(u.edited, vec!["/news/third/".to_string()]);
    // Nothing changed: nothing rendered again but the overview pages.
    let again = engine.rebuild(&[]).unwrap();
    assert!(again.changed.is_empty(), "{again:?}");
}

/// The resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Soak test: 1,000 random edits, creations, deletions and renames; the
/// engine's memory must not grow beyond a small bound. Run with
/// `cargo test --release --test it soak -- --ignored --nocapture`.
#[test]
#[ignore]
fn soak_1000_edits_memory_stays_flat() {
    let site = TestSite::basic();
    let mut engine = Engine::new(options(site.root()));
    engine.rebuild(&[]).unwrap();
    let mut seed: u64 = 0x2026_1121;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut step = |i: usize, engine: &mut Engine| {
        let r = next();
        let (a, b) = (r as usize, (r >> 32) as u8);
        let op = match r % 9 {
            0..=3 => Op::EditBody(a, b),
            4 => Op::EditTitle(a, b),
            5 => Op::EditDate(a, b),
            6 => Op::Create(b, (i % 200) as u8),
            7 => Op::Delete(a),
            _ => Op::Rename(a, b),
        };
        let touched = apply(&site, &op);
        let _ = engine.rebuild(&touched);
    };
    for i in 0..100 {
        step(i, &mut engine);
    }
    let start = rss_kib();
    for i in 100..1100 {
        step(i, &mut engine);
    }
    let end = rss_kib();
    println!(
        "soak: RSS after warm-up {} KiB, after 1,000 more edits {} KiB",
        start, end
    );
    assert!(
        end < start + 32 * 1024,
        "memory grew from {start} KiB to {end} KiB"
    );
}

/// #20: the preview's clock follows the real one. An item written while
/// `serve` runs, dated a moment ahead (as `dangjian new` dates it), loses
/// its 未到发布时间 banner once that moment has passed, without a save.
#[test]
fn i20_the_preview_clock_moves_on_when_a_new_item_falls_due() {
    let site = TestSite::basic();
    let opts = BuildOptions {
        scope: Scope::Unit,
        drafts: true,
        future: true,
        preview: true,
        ..BuildOptions::new(site.root())
    };
    let mut engine = Engine::new(opts);
    engine.rebuild(&[]).unwrap();
    let due = chrono::Utc::now() + chrono::Duration::seconds(2);
    let rel = "content/news/just-written.md";
    site.write(
        rel,
        &format!(
            "---\ntitle: 刚写的动态\ndate: {}\n---\n正文。\n",
            due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    engine.rebuild(&[rel.into()]).unwrap();
    let page = |engine: &Engine| {
        let files = engine.read_all();
        String::from_utf8(files["news/just-written/index.html"].clone()).unwrap()
    };
    assert!(page(&engine).contains("未到发布时间"));
    while chrono::Utc::now() <= due + chrono::Duration::milliseconds(200) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Nothing touched: only the clock can have changed the page.
    let u = engine.rebuild(&[]).unwrap();
    assert!(!page(&engine).contains("未到发布时间"), "{u:?}");
}
