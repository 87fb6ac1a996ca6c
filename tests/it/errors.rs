//! Bad input: a Chinese message naming file, line and field; exit non-zero.

use crate::support::{NOW, TestSite};

/// Builds a basic site with one extra file and returns stderr.
fn err_with(rel: &str, text: &str) -> String {
    let site = TestSite::basic();
    site.write(rel, text);
    site.build_err()
}

fn assert_has(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(stderr.contains(p), "missing {p:?} in:\n{stderr}");
    }
}

#[test]
fn malformed_yaml_points_at_the_md_line() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 坏\ndate: 2026-01-01\ntags: [a, b\nsummary: x\n---\n正文\n",
    );
    assert_has(&e, &["错误：content/news/bad.md 第 5 行", "YAML"]);
}

#[test]
fn missing_title_and_date() {
    let e = err_with("content/news/bad.md", "---\nauthor: 某人\n---\n正文\n");
    assert_has(
        &e,
        &[
            "content/news/bad.md 第 2 行，字段 “title”：缺少标题",
            "字段 “date”：缺少发布日期",
        ],
    );
}

#[test]
fn unparseable_date() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 坏日期\ndate: 2026-13-45\n---\n",
    );
    assert_has(
        &e,
        &[
            "content/news/bad.md 第 3 行，字段 “date”：无法识别的日期 “2026-13-45”",
            "提示：写成 2026-11-20",
        ],
    );
}

#[test]
fn unknown_field_suggests_the_closest() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 拼错\ndate: 2026-01-01\nsumary: 摘要\n---\n",
    );
    assert_has(
        &e,
        &[
            "content/news/bad.md 第 4 行，字段 “sumary”：未知字段",
            "是不是想写 “summary”",
        ],
    );
}

#[test]
fn field_of_another_kind() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 动态\ndate: 2026-01-01\nexpires: 2026-02-01\n---\n",
    );
    assert_has(
        &e,
        &["第 4 行，字段 “expires”：字段 “expires” 只能用于通知公告"],
    );
}

#[test]
fn unknown_branch() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 支部\ndate: 2026-01-01\nbranch: vilage\n---\n",
    );
    assert_has(
        &e,
        &[
            "第 4 行，字段 “branch”",
            "没有编号为 “vilage” 的党组织",
            "是不是想写 “village”",
        ],
    );
}

#[test]
fn duplicate_slug_names_both_files() {
    let e = err_with(
        "content/news/copy.md",
        "---\ntitle: 重复\ndate: 2026-01-01\nslug: first\n---\n",
    );
    assert_has(
        &e,
        &[
            "content/news/first.md",
            "content/news/copy.md",
            "字段 “slug”",
            "网址 “/news/first/” 重复",
        ],
    );
}

#[test]
fn template_error_names_template_and_line() {
    let site = TestSite::basic();
    site.write("themes/default/templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title \n{% endblock content %}\n");
    let e = site.build_err();
    // Tera reports the unclosed `{{` where it notices it: the next line.
    assert_has(
        &e,
        &["themes/default/templates/page.html 第 4 行", "模板错误"],
    );
}

#[test]
fn template_render_error_names_template() {
    let site = TestSite::basic();
    site.write(
        "themes/default/templates/page.html",
        "{{ page.no_such_field.deeper }}",
    );
    let e = site.build_err();
    assert_has(&e, &["page.html", "模板错误", "content/pages/about.md"]);
}

#[test]
fn missing_bundle_asset() {
    let site = TestSite::basic();
    site.write(
        "content/news/bundle-visit/index.md",
        "---\ntitle: 包\ndate: 2026-01-01\ncover: nope.png\n---\n\n\n![图](missing.jpg)\n",
    );
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/news/bundle-visit/index.md 第 4 行，字段 “cover”：找不到文件 “nope.png”",
            "第 8 行，字段 “正文链接”：找不到文件 “missing.jpg”",
        ],
    );
}

#[test]
fn path_outside_the_site() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 越界\ndate: 2026-01-01\ncover: ../../site.yaml\n---\n[x](../../../../etc/passwd)\n",
    );
    assert_has(
        &e,
        &[
            "第 4 行，字段 “cover”：路径 “../../site.yaml” 指向站点内容文件夹之外",
            "第 6 行，字段 “正文链接”：路径 “../../../../etc/passwd” 指向站点内容文件夹之外",
        ],
    );
}

#[test]
fn link_to_a_missing_file() {
    let e = err_with(
        "content/news/bad.md",
        "---\ntitle: 断链\ndate: 2026-01-01\n---\n\n见[通知](../notices/nope.md)\n",
    );
    assert_has(
        &e,
        &["content/news/bad.md 第 6 行，字段 “正文链接”：链接的文章 “../notices/nope.md” 不存在"],
    );
}

#[test]
fn unknown_config_key_names_the_closest() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}paginaton: 5\n"));
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "site.yaml 第 18 行，字段 “paginaton”：未知配置项",
            "是不是想写 “pagination”",
        ],
    );
}

#[test]
fn missing_front_matter_and_bad_encoding() {
    let site = TestSite::basic();
    site.write("content/news/plain.md", "只有正文\n");
    std::fs::write(
        site.root().join("content/news/gbk.md"),
        b"---\ntitle: \xd6\xd0\n---\n",
    )
    .unwrap();
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/news/plain.md 第 1 行：文件开头缺少 front matter",
            "content/news/gbk.md 第 2 行：文件不是 UTF-8 编码",
        ],
    );
}

#[test]
fn all_problems_of_a_build_are_reported_together() {
    let site = TestSite::basic();
    site.write("content/news/a.md", "---\ntitle: A\ndate: 不是日期\n---\n");
    site.write(
        "content/notices/b.md",
        "---\ntitle: B\ndate: 2026-01-01\nlevle: urgent\n---\n",
    );
    site.write(
        "content/lessons/course-a/c.md",
        "---\ntitle: C\ndate: 2026-01-01\n---\n[x](nope.md)\n",
    );
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/news/a.md",
            "content/notices/b.md",
            "content/lessons/course-a/c.md",
            "发现 3 个问题",
        ],
    );
}

#[test]
fn a_link_to_a_broken_file_reports_only_that_file() {
    let site = TestSite::basic();
    site.write(
        "content/news/broken.md",
        "---\ntitle: 坏\ndate: 坏日期\n---\n",
    );
    site.write(
        "content/news/linker.md",
        "---\ntitle: 链接\ndate: 2026-01-01\n---\n[坏](broken.md) [栏目](../notices/_index.md)\n",
    );
    let e = site.build_err();
    assert_has(&e, &["content/news/broken.md", "发现 1 个问题"]);
}

#[test]
fn unknown_section_folder_and_course_without_index() {
    let site = TestSite::basic();
    site.write(
        "content/nwes/a.md",
        "---\ntitle: A\ndate: 2026-01-01\n---\n",
    );
    site.write(
        "content/lessons/new-course/a.md",
        "---\ntitle: A\ndate: 2026-01-01\n---\n",
    );
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "未知的栏目文件夹 “nwes”",
            "是不是想写 “news”",
            "content/lessons/new-course：课程文件夹缺少 _index.md",
        ],
    );
}

#[test]
fn bad_now_and_scope_flags() {
    let site = TestSite::basic();
    let run = |args: &[&str]| {
        let out = site.run("build", args).failure();
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    assert!(run(&["--now", "明天"]).contains("无法识别的时间 “明天”"));
    let scope = run(&["--scope", "secret"]);
    assert!(
        scope.contains("参数 --scope <范围> 的取值 “secret” 无效"),
        "{scope}"
    );
    assert!(run(&["--bogus"]).contains("无法识别的参数 “--bogus”"));
    assert!(!site.out().exists(), "nothing written");
}

#[test]
fn output_folder_that_would_destroy_the_site_is_refused() {
    let site = TestSite::basic();
    let content = site.root().join("content");
    let out = site.build(&["--out", content.to_str().unwrap()]).failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("不能把网站输出到"));
    assert!(site.root().join("content/news/first.md").exists());
}

#[test]
fn period_end_before_start_and_bad_meeting() {
    let site = TestSite::basic();
    site.write("content/disclosure/bad.md", "---\ntitle: 倒置\ndate: 2026-11-01\nperiod:\n  start: 2026-11-10\n  end: 2026-11-01\n---\n");
    site.write("content/disclosure/meet.md", "---\ntitle: 会议\ndate: 2026-11-01\ncategory: meetings\nmeeting:\n  type: 党员大会\n  expected: 10\n  present: 12\n  phone: 123\n---\n");
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/disclosure/bad.md 第 6 行，字段 “end”：公示结束时间早于开始时间",
            "content/disclosure/meet.md 第 9 行",
            "未知字段 “phone”",
        ],
    );
}

#[test]
fn a_person_field_other_than_the_allowed_is_an_error() {
    let e = err_with(
        "content/disclosure/p.md",
        "---\ntitle: 公示\ndate: 2026-11-01\ncategory: membership\npersons:\n  - name: 张三\n    id_number: 110101199003070016\n---\n",
    );
    assert_has(
        &e,
        &[
            "content/disclosure/p.md 第 7 行",
            "未知字段 “id_number”",
            "name、gender、age、education、stage",
        ],
    );
}

#[test]
fn public_items_with_unmasked_personal_data_are_refused() {
    let site = TestSite::basic();
    site.write(
        "content/notices/pii.md",
        "---\ntitle: 联系人\ndate: 2026-11-01\nsummary: 身份证 11010519491231002X\n---\n\n联系人：张三，电话 13812345678。\n已打码：138****5678。\n",
    );
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/notices/pii.md 第 4 行，字段 “summary”：公开内容中有未打码的身份证号码",
            "改写为 11**************2X",
            "content/notices/pii.md 第 7 行，字段 “正文”：公开内容中有未打码的手机号码",
            "改写为 138****5678",
            "发现 2 个问题",
        ],
    );
}

#[test]
fn personal_data_may_be_allowed_per_item_and_is_logged() {
    let site = TestSite::basic();
    site.write(
        "content/notices/pii.md",
        "---\ntitle: 联系人\ndate: 2026-11-01\nallow_personal_info: 经本人同意公布办公电话\n---\n电话 13812345678\n",
    );
    let out = site.build(&[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("个人信息放行：content/notices/pii.md（理由：经本人同意公布办公电话）"),
        "{text}"
    );
}

#[test]
fn intranet_builds_and_unpublished_items_are_not_guarded() {
    let site = TestSite::basic();
    site.write(
        "content/notices/pii.md",
        "---\ntitle: 党内联系人\ndate: 2026-11-01\nscope: party\n---\n电话 13812345678\n",
    );
    site.build_ok();
    site.build(&["--scope", "party"]).success();
}

#[test]
fn missing_course_cover() {
    let e = err_with(
        "content/lessons/course-a/_index.md",
        "---\ntitle: 测试课程\ncover: nope.png\n---\n",
    );
    assert_has(
        &e,
        &["content/lessons/course-a/_index.md 第 3 行，字段 “cover”：找不到文件 “nope.png”"],
    );
}

/// #20: a public 公示 must say where objections go; without its own
/// `contact:` and without site.yaml's `disclosure.contact`, a public build
/// refuses it (and `check` reports it); the site-wide default suffices,
/// and an intranet build is not held to it.
#[test]
fn i20_a_public_disclosure_without_a_contact_is_refused() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let without = yaml.replace("disclosure:\n  contact: 测试县委组织部 0000-1234567\n", "");
    assert_ne!(yaml, without);
    site.write("site.yaml", &without);
    let e = site.build_err();
    assert_has(
        &e,
        &[
            "content/disclosure/dues-2026.md 第 1 行，字段 “contact”：公示没有写意见反映方式",
            "在 site.yaml 的 disclosure: 下写 contact:",
        ],
    );
    site.run("check", &["--now", NOW]).failure();
    site.build(&["--scope", "party"]).success();
    // Its own contact is enough, and shows in the 意见反映 box.
    let text =
        std::fs::read_to_string(site.root().join("content/disclosure/dues-2026.md")).unwrap();
    site.write(
        "content/disclosure/dues-2026.md",
        &text.replacen("category:", "contact: 村党支部 0000-7654321\ncategory:", 1),
    );
    site.build(&[]).success();
    let page = site.read("disclosure/dues-2026/index.html");
    assert!(page.contains("意见反映") && page.contains("村党支部 0000-7654321"));
}
