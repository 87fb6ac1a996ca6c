//! `dangjian new`: scaffolds that build, never overwrite, and check their options.

use crate::support::TestSite;

fn new(site: &TestSite, args: &[&str]) -> assert_cmd::assert::Assert {
    site.run("new", &[args, &["--now", "2026-11-21 09:00"]].concat())
}

#[test]
fn every_kind_scaffolds_a_draft_that_builds() {
    let site = TestSite::basic();
    new(&site, &["news", "东村开展冬季走访", "--branch", "village"]).success();
    new(&site, &["notice", "关于召开冬训动员会的通知"]).success();
    new(&site, &["disclosure", "关于发展党员对象的公示"]).success();
    new(
        &site,
        &["lesson", "第三课 组织纪律", "--course", "course-a"],
    )
    .success();
    let file = site
        .root()
        .join("content/news/2026-11-21-dong-cun-kai-zhan-dong-ji-zou-fang.md");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("draft: true")
            && text.contains("branch: village")
            && text.contains("# photographer:")
    );
    let lesson = std::fs::read_to_string(
        site.root()
            .join("content/lessons/course-a/2026-11-21-di-san-ke-zu-zhi-ji-lv.md"),
    )
    .unwrap();
    assert!(
        lesson.contains("order: 3 "),
        "after the course's lessons 1 and 2"
    );
    // Drafts: not published by default, published with --drafts.
    site.build_ok();
    assert!(!site.exists("news/2026-11-21-dong-cun-kai-zhan-dong-ji-zou-fang/index.html"));
    site.build(&["--drafts"]).success();
    for page in [
        "news/2026-11-21-dong-cun-kai-zhan-dong-ji-zou-fang/index.html",
        "notices/2026-11-21-guan-yu-zhao-kai-dong-xun-dong-yuan-hui-de-tong/index.html",
        "disclosure/2026-11-21-guan-yu-fa-zhan-dang-yuan-dui-xiang-de-gong-shi/index.html",
        "lessons/course-a/2026-11-21-di-san-ke-zu-zhi-ji-lv/index.html",
    ] {
        assert!(site.exists(page), "{page}");
    }
}

#[test]
fn new_refuses_to_overwrite_and_checks_options() {
    let site = TestSite::basic();
    new(&site, &["notice", "重复的通知"]).success();
    let err = |a: assert_cmd::assert::Assert| {
        String::from_utf8(a.failure().get_output().stderr.clone()).unwrap()
    };
    assert!(err(new(&site, &["notice", "重复的通知"])).contains("文件已存在，不会覆盖"));
    assert!(err(new(&site, &["lesson", "无课程"])).contains("新建课程内容需要指定课程"));
    assert!(
        err(new(&site, &["lesson", "无课程", "--course", "course-b"]))
            .contains("是不是想写 “course-a”")
    );
    assert!(
        err(new(&site, &["news", "无支部", "--branch", "vilage"])).contains("是不是想写 “village”")
    );
}
