//! Writing: deterministic, atomic, and never damaging the previous output.

use crate::support::TestSite;

#[test]
fn two_builds_are_byte_identical() {
    let site = TestSite::basic();
    let a = site.root().join("out-a");
    let b = site.root().join("out-b");
    site.build(&["--out", a.to_str().unwrap()]).success();
    site.build(&["--out", b.to_str().unwrap()]).success();
    let (ta, tb) = (TestSite::tree(&a), TestSite::tree(&b));
    assert!(ta.len() > 30);
    assert!(
        ta.contains_key("feed.xml") && ta.contains_key("atom.xml") && ta.contains_key("feed.json")
    );
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(tb[path] == *bytes, "{path} differs between builds");
    }
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let site = TestSite::basic();
    site.build_ok();
    let before = TestSite::tree(&site.out());
    site.write(
        "content/news/first.md",
        "---\ntitle: 改坏了\ndate: 坏日期\n---\n新正文\n",
    );
    site.build_err();
    assert_eq!(TestSite::tree(&site.out()), before);
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".output"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn files_of_earlier_builds_are_removed() {
    let site = TestSite::basic();
    site.build_ok();
    assert!(site.exists("news/second/index.html"));
    std::fs::write(site.out().join("stray.txt"), "x").unwrap();
    site.remove("content/news/second.md");
    site.build_ok();
    assert!(!site.exists("news/second/index.html"));
    assert!(!site.exists("stray.txt"));
}

#[cfg(unix)]
#[test]
fn output_is_readable_by_a_web_server() {
    use std::os::unix::fs::PermissionsExt;
    let site = TestSite::basic();
    site.build_ok();
    let mode = std::fs::metadata(site.out()).unwrap().permissions().mode();
    assert_eq!(mode & 0o755, 0o755);
}

#[test]
fn check_reports_without_writing() {
    let site = TestSite::basic();
    site.write(
        "content/news/bad.md",
        "---\ntitle: 坏\ndate: 2026-13-01\n---\n",
    );
    let out = site.run("check", &["--json"]).failure();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json[0]["path"], "content/news/bad.md");
    assert_eq!(json[0]["line"], 3);
    assert_eq!(json[0]["field"], "date");
    assert!(!site.out().exists());
}

/// Issue 10: a rebuild writes only what changed; unchanged files are
/// hard-linked from the previous output, and the old tree is removed by the
/// next build, not on this one's way out.
#[cfg(unix)]
#[test]
fn rebuilds_write_only_what_changed() {
    use std::os::unix::fs::MetadataExt;
    let site = TestSite::basic();
    site.build_ok();
    let before = TestSite::tree(&site.out());
    let out = site.build(&[]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("（0 个新增或有变化，其余与上次相同）"),
        "{out}"
    );
    assert_eq!(TestSite::tree(&site.out()), before);
    let nlink = |rel: &str| std::fs::metadata(site.out().join(rel)).unwrap().nlink();
    assert_eq!(
        nlink("news/second/index.html"),
        2,
        "linked from the old tree"
    );
    site.write(
        "content/news/second.md",
        &std::fs::read_to_string(site.root().join("content/news/second.md"))
            .unwrap()
            .replace("第二", "第二（修改）"),
    );
    let out = site.build(&[]).success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    let changed: usize = out
        .split("（")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(changed > 0 && changed < before.len() / 2, "{out}");
    assert_eq!(nlink("news/second/index.html"), 1, "rewritten");
    // One old tree at most is left beside the output.
    let old: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".output.old-"))
        .collect();
    assert!(old.len() <= 1, "{old:?}");
}
