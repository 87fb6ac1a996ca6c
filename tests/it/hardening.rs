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

// 4. A link or image to an unpublished item's source copied the whole `.md`.
#[test]
fn i19_04_links_to_sources_never_publish_them() {
    let site = TestSite::basic();
    site.write(
        "content/news/leak.md",
        &news(
            "链接源文件",
            "",
            "[甲](../notices/secret-draft.md/) [乙](../notices/secret-draft%2Emd) [丙](../notices/meeting.md)",
        ),
    );
    site.build_ok();
    let out = all_output(&site);
    assert!(!out.contains("DRAFT-BODY-MARKER"));
    assert!(!out.contains("draft-item-slug"));
    assert!(
        TestSite::tree(&site.out())
            .keys()
            .all(|p| !p.ends_with(".md")),
        "a Markdown source was published"
    );
    let page = site.read("news/leak/index.html");
    assert!(page.contains("甲") && page.contains("乙") && !page.contains("secret-draft"));
    for (field, body) in [
        ("cover: ../notices/secret-draft.md\n", "正文"),
        (
            "attachments:\n  - path: ../notices/secret-draft.md\n",
            "正文",
        ),
        ("", "![图](../notices/secret-draft.md)"),
    ] {
        let site = TestSite::basic();
        site.write("content/notices/leak.md", &news("附件源文件", field, body));
        let e = site.build_err();
        assert_has(&e, &["content/notices/leak.md", "Markdown 源文件"]);
    }
}

// 5. A draft bundle's file linked from a public item was published; a
//    withdrawn 公示's bundle file stayed online after the period.
#[test]
fn i19_05_bundle_files_follow_their_owners_gate() {
    let site = TestSite::basic();
    site.write(
        "content/news/2026-11-10-secret/index.md",
        "---\ntitle: 秘密草稿\ndate: 2026-11-01\ndraft: true\n---\n正文\n",
    );
    site.write(
        "content/news/2026-11-10-secret/photo.txt",
        "BUNDLE-SECRET-MARKER",
    );
    site.write(
        "content/disclosure/2026-10-old/index.md",
        "---\ntitle: 已结束的公示\ndate: 2026-10-01\ncategory: membership\nafter_period: withdraw\nperiod:\n  start: 2026-10-01\n  end: 2026-10-08\n---\n名单见附件\n",
    );
    site.write(
        "content/disclosure/2026-10-old/list.txt",
        "WITHDRAWN-LIST-MARKER",
    );
    site.write(
        "content/news/linker.md",
        &news(
            "链接他人文件",
            "",
            "[照片](2026-11-10-secret/photo.txt) [名单](../disclosure/2026-10-old/list.txt) [走访](bundle-visit/photo.png)",
        ),
    );
    site.build_ok();
    let out = all_output(&site);
    assert!(!out.contains("BUNDLE-SECRET-MARKER"));
    assert!(!out.contains("WITHDRAWN-LIST-MARKER"));
    assert!(!out.contains("2026-11-10-secret"));
    // A published owner's file is linked where that owner publishes it
    // (a photo: its largest variant).
    let page = site.read("news/linker/index.html");
    assert!(
        page.contains("href=\"/news/bundle-visit/photo-640.png\""),
        "{page}"
    );
    // Named in front matter, an unpublished owner's file is an error.
    site.write(
        "content/news/linker.md",
        &news(
            "链接他人文件",
            "cover: 2026-11-10-secret/photo.txt\n",
            "正文",
        ),
    );
    assert_has(
        &site.build_err(),
        &["content/news/linker.md 第 4 行", "未发布的内容"],
    );
}

// 6. A course whose lessons are all party-scope or drafts was still public.
#[test]
fn i19_06_a_course_without_published_lessons_is_not_published() {
    let site = TestSite::basic();
    site.write(
        "content/lessons/course-b/_index.md",
        "---\ntitle: 内部课程 COURSE-TITLE-MARKER\ndescription: COURSE-DESC-MARKER\n---\nCOURSE-INTRO-MARKER\n",
    );
    site.write(
        "content/lessons/course-b/a.md",
        "---\ntitle: 党内课\ndate: 2026-11-01\norder: 1\nscope: party\n---\n正文\n",
    );
    site.write(
        "content/lessons/course-b/b.md",
        "---\ntitle: 草稿课\ndate: 2026-11-01\norder: 2\ndraft: true\n---\n正文\n",
    );
    site.write(
        "content/news/to-course.md",
        &news("课程链接", "", "[课程](../lessons/course-b/_index.md)"),
    );
    site.build_ok();
    let out = all_output(&site);
    for marker in [
        "COURSE-TITLE-MARKER",
        "COURSE-DESC-MARKER",
        "COURSE-INTRO-MARKER",
        "course-b",
    ] {
        assert!(!out.contains(marker), "{marker} leaked");
    }
    site.build(&["--scope", "party"]).success();
    assert!(
        site.read("lessons/course-b/index.html")
            .contains("COURSE-TITLE-MARKER")
    );
}

// 7. `check` passed what `build` refuses; errors of scheduled items waited
//    for the embargo to lift.
#[test]
fn i19_07_check_reports_what_any_build_would_refuse() {
    let site = TestSite::basic();
    site.write(
        "content/news/pii-draft.md",
        &news("草稿含电话", "draft: true\n", "联系电话 13812345678"),
    );
    let out = site
        .run("check", &["--now", crate::support::NOW])
        .failure()
        .get_output()
        .clone();
    let e = String::from_utf8(out.stderr).unwrap();
    assert_has(&e, &["content/news/pii-draft.md 第 6 行", "手机号码"]);

    let site = TestSite::basic();
    site.write(
        "content/notices/later.md",
        "---\ntitle: 定时通知\ndate: 2027-01-01\nattachments:\n  - path: nope.pdf\n---\n[坏链接](nope.md)\n",
    );
    for e in [
        site.build_err(),
        String::from_utf8(
            site.run("check", &["--now", crate::support::NOW])
                .failure()
                .get_output()
                .stderr
                .clone(),
        )
        .unwrap(),
    ] {
        assert_has(
            &e,
            &[
                "content/notices/later.md 第 5 行",
                "nope.pdf",
                "第 7 行",
                "nope.md",
            ],
        );
    }
}

// 8. The PII guard missed common forms and section pages.
#[test]
fn i19_08_personal_data_in_any_form_or_place_is_refused() {
    for (i, body) in [
        "138 1234 5678",
        "138-1234-5678",
        "１３８１２３４５６７８",
        "6222 0212 3456 7890 128",
        "Tel13812345678",
        "&#49;3812345678",
        "138**1234**5678",
    ]
    .iter()
    .enumerate()
    {
        let site = TestSite::basic();
        site.write(
            "content/news/pii.md",
            &news("电话", "", &format!("联系：{body}")),
        );
        let e = site.build_err();
        assert!(
            e.contains("content/news/pii.md") && e.contains("未打码"),
            "{i} {body}: {e}"
        );
    }
    let site = TestSite::basic();
    site.write("content/news/plus.md", &news("电话", "", "+8613912345678"));
    assert_has(&site.build_err(), &["未打码的手机号码"]);
    let site = TestSite::basic();
    site.write(
        "content/_index.md",
        "---\ntitle: 首页\n---\n联系 13812345678\n",
    );
    site.write(
        "content/news/_index.md",
        "---\ntitle: 动态\ndescription: 投稿电话 13912345678\n---\n",
    );
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/_index.md 第 4 行",
            "content/news/_index.md 第 3 行",
        ],
    );
}

// 9. A symlinked folder with a name the walker ignores escaped content/.
#[cfg(unix)]
#[test]
fn i19_09_symlinks_cannot_reach_outside_the_site() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("passwd"), "OUTSIDE-SECRET-MARKER").unwrap();
    let site = TestSite::basic();
    for name in [".d", "r~", "x.bak", "#x"] {
        std::os::unix::fs::symlink(outside.path(), site.root().join("content/news").join(name))
            .unwrap();
        site.write(
            "content/news/esc.md",
            &news(
                "逃逸",
                "",
                &format!("[x]({}/passwd)", name.replace('#', "%23")),
            ),
        );
        let e = site.build_err();
        assert_has(&e, &["content/news/esc.md", "找不到文件"]);
        std::fs::remove_file(site.root().join("content/news").join(name)).unwrap();
    }
    site.remove("content/news/esc.md");
    site.build_ok();
    assert!(!all_output(&site).contains("OUTSIDE-SECRET-MARKER"));
}

// 13. Feed link rewriting was quadratic (1.9 MB with 40k links: 23 s).
#[test]
fn i19_13_an_article_with_many_links_builds_in_linear_time() {
    let site = TestSite::basic();
    let body = "[链接](https://example.org/a) 正文 ".repeat(40_000);
    site.write("content/news/links.md", &news("很多链接", "", &body));
    let clock = Instant::now();
    site.build_ok();
    // A hang guard, not a speed target: the quadratic version took minutes.
    assert!(
        clock.elapsed() < Duration::from_secs(60),
        "took {:?}",
        clock.elapsed()
    );
    assert!(site.read("feed.xml").contains("https://example.org/a"));
}

// 1. `--out ./output/../content` replaced content/; any non-empty folder
//    given as --out was moved aside and deleted.
#[test]
fn i19_01_out_folders_are_resolved_and_foreign_folders_kept() {
    let site = TestSite::basic();
    for out in [
        "./output/../content",
        "output/../static",
        "content/../",
        ".",
    ] {
        let e = site
            .build(&["--out", out])
            .failure()
            .get_output()
            .stderr
            .clone();
        let e = String::from_utf8(e).unwrap();
        assert_has(&e, &["不能把网站输出到"]);
    }
    assert!(site.root().join("content/news/first.md").exists());
    let home = site.root().join("my-documents");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("报告.docx"), "重要文件").unwrap();
    let e = site
        .build(&["--out", home.to_str().unwrap()])
        .failure()
        .get_output()
        .stderr
        .clone();
    assert_has(
        &String::from_utf8(e).unwrap(),
        &["不是 dangjian 生成的网站", "build.json"],
    );
    assert!(home.join("报告.docx").exists());
    // An empty folder and a previous output may be replaced.
    let empty = site.root().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    site.build(&["--out", empty.to_str().unwrap()]).success();
    site.build(&["--out", empty.to_str().unwrap()]).success();
}

// 2. `--out notes.txt` (an existing file) became a folder, exit 0.
#[test]
fn i19_02_an_existing_file_is_no_output_folder() {
    let site = TestSite::basic();
    site.write("notes.txt", "笔记");
    let e = site
        .build(&["--out", "notes.txt"])
        .failure()
        .get_output()
        .stderr
        .clone();
    assert_has(&String::from_utf8(e).unwrap(), &["这是一个文件"]);
    assert_eq!(
        std::fs::read_to_string(site.root().join("notes.txt")).unwrap(),
        "笔记"
    );
}

// 3. Staging folders of killed builds stayed forever; concurrent builds
//    into one output failed with "Directory not empty".
#[test]
fn i19_03_stale_staging_is_cleaned_and_builds_take_turns() {
    let site = TestSite::basic();
    for stale in [".output.new-dead1", ".output.old-99999"] {
        site.write(&format!("{stale}/index.html"), "旧");
    }
    site.build_ok();
    let left: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".output"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let bin = assert_cmd::cargo::cargo_bin("dangjian");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(&bin)
                .args(["build", "--now", crate::support::NOW, "--root"])
                .arg(site.root())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(site.exists("index.html"));
}

// 9. `static -> /etc`, `theme: ../../elsewhere`, `new lesson --course ../..`.
#[cfg(unix)]
#[test]
fn i19_09_static_theme_and_course_paths_stay_inside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("passwd"), "OUTSIDE-SECRET-MARKER").unwrap();
    let site = TestSite::basic();
    std::fs::remove_dir_all(site.root().join("static")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.root().join("static")).unwrap();
    assert_has(&site.build_err(), &["static", "符号链接"]);
    std::fs::remove_file(site.root().join("static")).unwrap();
    std::fs::create_dir_all(site.root().join("static")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("passwd"),
        site.root().join("static/p.txt"),
    )
    .unwrap();
    assert_has(&site.build_err(), &["static/p.txt", "符号链接"]);
    std::fs::remove_file(site.root().join("static/p.txt")).unwrap();

    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}theme: ../../elsewhere\n"));
    assert_has(&site.build_err(), &["site.yaml", "theme", "不可用"]);
    site.write("site.yaml", &yaml);

    let target = site.root().join("../escape-course");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("_index.md"), "---\ntitle: x\n---\n").unwrap();
    let out = site
        .run(
            "new",
            &["lesson", "逃逸", "--course", "../../../escape-course"],
        )
        .failure()
        .get_output()
        .clone();
    assert_has(
        &String::from_utf8(out.stderr).unwrap(),
        &["课程文件夹名", "不可用"],
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
    std::fs::remove_dir_all(&target).unwrap();
}

// 11. Raw HTML starting with a comment skipped the sanitizer.
#[test]
fn i19_11_a_leading_comment_does_not_skip_the_sanitizer() {
    let site = TestSite::basic();
    site.write(
        "content/news/xss.md",
        &news(
            "注释",
            "",
            "<!-- x --><script>alert(1)</script><img src=x onerror=alert(2)>",
        ),
    );
    site.build_ok();
    for f in ["news/xss/index.html", "feed.xml", "atom.xml", "feed.json"] {
        let text = site.read(f);
        assert!(
            !text.contains("alert(1)") && !text.contains("onerror"),
            "{f}"
        );
    }
}

// 12. `javascript:` URLs and active files (SVG with script, .html).
#[test]
fn i19_12_scripts_cannot_ride_on_links_or_files() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "",
            "[点我](javascript:alert(document.cookie))",
            "javascript",
        ),
        ("", "[点我](JavaScript:alert(1))", "javascript"),
        ("", "[点我](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        (
            "attachments:\n  - path: \"javascript:alert(1)//x.pdf\"\n",
            "正文",
            "javascript",
        ),
        ("cover: evil.svg\n", "正文", "evil.svg"),
        ("attachments:\n  - path: page.html\n", "正文", "page.html"),
        ("", "[页](page.html)", "page.html"),
    ];
    for (i, (field, body, marker)) in cases.iter().enumerate() {
        let site = TestSite::basic();
        site.write(
            "content/notices/evil.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        );
        site.write("content/notices/page.html", "<script>alert(1)</script>");
        site.write("content/notices/x.md", &news("脚本", field, body));
        let e = site.build_err();
        assert!(
            e.contains("content/notices/x.md") && e.contains(marker),
            "case {i}: {e}"
        );
    }
    for field in [
        "audio: \"javascript:alert(1)\"\n",
        "video: \"vbscript:x\"\n",
    ] {
        let site = TestSite::basic();
        site.write(
            "content/lessons/course-a/x.md",
            &format!("---\ntitle: 媒体\ndate: 2026-11-01\norder: 7\n{field}---\n正文\n"),
        );
        assert_has(
            &site.build_err(),
            &["content/lessons/course-a/x.md", "不安全"],
        );
    }
    // An SVG without scripts, and a bundle's active file, are judged too.
    let site = TestSite::basic();
    site.write(
        "content/news/bundle-visit/run.html",
        "<script>alert(1)</script>",
    );
    assert_has(&site.build_err(), &["run.html", "不能发布"]);
    let site = TestSite::basic();
    site.write(
        "content/notices/ok.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>",
    );
    site.write(
        "content/notices/x.md",
        &news("图", "cover: ok.svg\n", "正文"),
    );
    site.build_ok();
}

// 18. Aliases overwrote /sitemap.xml and /robots.txt; /.htaccess passed.
#[test]
fn i19_18_aliases_cannot_take_generated_or_server_files() {
    for alias in [
        "/sitemap.xml",
        "/robots.txt",
        "/.htaccess",
        "/feed.xml",
        "/web.config",
    ] {
        let site = TestSite::basic();
        site.write(
            "content/news/al.md",
            &news("别名", &format!("aliases: [\"{alias}\"]\n"), "正文"),
        );
        let e = site.build_err();
        assert!(e.contains("content/news/al.md"), "{alias}: {e}");
    }
}
