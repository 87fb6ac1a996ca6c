//! Issue 19 (hardening): hostile content, mistyped paths and faults. Each
//! test is named after the finding it guards (`i19_<n>_…`).

use std::time::{Duration, Instant};

use crate::support::TestSite;

fn assert_has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "missing {p:?} in:\n{text}");
    }
}

/// Every output file as text, joined (for "appears nowhere" checks).
fn all_output(site: &TestSite) -> String {
    TestSite::tree(&site.out())
        .into_values()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn news(title: &str, extra: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2026-11-01\n{extra}---\n{body}\n")
}

// 14. Nested YAML flow brackets were quadratic (100 KB took 102 s).
#[test]
fn i19_14_nested_yaml_brackets_are_refused_at_once() {
    let site = TestSite::basic();
    let deep = format!(
        "---\ntitle: 深\ndate: 2026-11-01\nsummary: {}\n---\n",
        "[".repeat(100_000)
    );
    site.write("content/news/deep.md", &deep);
    let clock = Instant::now();
    let e = site.build_err();
    assert!(
        clock.elapsed() < Duration::from_secs(20),
        "took {:?}",
        clock.elapsed()
    );
    assert_has(&e, &["content/news/deep.md 第 4 行", "嵌套层数过多"]);
}

// 15. One item with 2,000 tags wrote 347 MB; 30,000 unknown keys took 41 s.
#[test]
fn i19_15_tag_fan_out_and_key_floods_are_limited() {
    let site = TestSite::basic();
    let tags: Vec<String> = (0..2000).map(|i| format!("标签{i}")).collect();
    site.write(
        "content/news/tags.md",
        &news("多标签", &format!("tags: [{}]\n", tags.join(", ")), "正文"),
    );
    let keys: String = (0..5_000).map(|i| format!("k{i}: v\n")).collect();
    site.write("content/news/keys.md", &news("多字段", &keys, "正文"));
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/news/tags.md 第 4 行，字段 “tags”：tags 写了 2000 项，最多 30 项",
            "content/news/keys.md",
            "字段过多",
        ],
    );
    assert!(!site.exists("index.html"));
}

// 16. `expires: +262142-12-31` with a zone west of UTC panicked.
#[test]
fn i19_16_far_dates_are_errors_not_panics() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}timezone: America/New_York\n"));
    site.write(
        "content/notices/far.md",
        "---\ntitle: 远\ndate: 2026-11-01\nexpires: +262142-12-31\n---\n正文\n",
    );
    let out = site.build(&[]).failure().get_output().clone();
    assert_ne!(out.status.code(), Some(101), "panicked");
    let e = String::from_utf8(out.stderr).unwrap();
    assert_has(
        &e,
        &["content/notices/far.md 第 4 行，字段 “expires”", "年份"],
    );
}

// 16. `dangjian build | head -1` panicked with "Broken pipe" (exit 101).
#[test]
fn i19_16_a_closed_stdout_is_no_panic() {
    let site = TestSite::basic();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dangjian"))
        .args(["build", "--now", "2026-11-21T12:00:00+08:00", "--root"])
        .arg(site.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the build prints its summary.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
    assert!(site.exists("index.html"));
}

// 17. A number where text is expected was a YAML error with no line.
#[test]
fn i19_17_numbers_are_read_as_text() {
    let site = TestSite::basic();
    site.write(
        "content/news/n.md",
        "---\ntitle: 2026\ndate: 2026-11-01\nauthor: 110\ntags: [1]\n---\n正文\n",
    );
    site.write(
        "content/disclosure/n.md",
        "---\ntitle: 公示\ndate: 2026-11-01\ncategory: dues\ndoc_number: 07\n---\n正文\n",
    );
    site.build_ok();
    let page = site.read("news/n/index.html");
    assert_has(&page, &["<title>2026", "110"]);
    assert_has(&site.read("disclosure/n/index.html"), &["07"]);
}

// 18. site.yaml with a BOM (Notepad) or in GBK gave English errors.
#[test]
fn i19_18_site_yaml_with_bom_or_gbk() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("\u{feff}{yaml}"));
    site.build_ok();
    let (gbk, _, _) = encoding_rs::GBK.encode(&yaml);
    std::fs::write(site.root().join("site.yaml"), &gbk).unwrap();
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "site.yaml 第 1 行",
            "不是 UTF-8 编码",
            "GBK",
            "另存为 UTF-8",
        ],
    );
}

// 18. Every attachments error pointed at the `attachments:` line.
#[test]
fn i19_18_attachment_errors_point_at_their_entry() {
    let site = TestSite::basic();
    site.write(
        "content/notices/att.md",
        "---\ntitle: 附件\ndate: 2026-11-01\nattachments:\n  - path: meeting-plan.pdf\n  - path: nope.pdf\n    title: 没有\n---\n正文\n",
    );
    let e = site.build_err();
    assert_has(&e, &["content/notices/att.md 第 6 行", "nope.pdf"]);
}

// 18. A quiz `answer: {a: 1}` rendered "答案：[object]".
#[test]
fn i19_18_quiz_answer_must_be_an_option() {
    let site = TestSite::basic();
    site.write(
        "content/lessons/course-a/q.md",
        "---\ntitle: 题\ndate: 2026-11-01\norder: 9\nquiz:\n  - question: 问\n    options: [甲, 乙]\n    answer: {a: 1}\n---\n正文\n",
    );
    let e = site.build_err();
    assert_has(&e, &["content/lessons/course-a/q.md 第 8 行", "answer"]);
}
