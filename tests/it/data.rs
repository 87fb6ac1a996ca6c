//! 党务公开 from data (issue 17): tables from CSV and XLSX files, masking
//! and the personal-data guard per cell, the holiday calendar for 公示期,
//! and the government-site identity footer.

use std::path::Path;

use dangjian::BuildOptions;
use dangjian::content::Scope;
use dangjian::serve::engine::{Engine, full_build};

use crate::support::{NOW, TestSite};

/// A data file of `tests/fixtures/data`, as bytes.
fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The basic fixture with a disclosure `content/disclosure/<slug>.md`
/// whose front matter ends with `extra`, and the data file `data` beside it.
fn site_with(slug: &str, extra: &str, data: &str) -> TestSite {
    let site = TestSite::basic();
    put(&site, slug, extra, data);
    site
}

fn put(site: &TestSite, slug: &str, extra: &str, data: &str) {
    let (category, extra) = match extra.strip_prefix("category: ") {
        Some(rest) => rest.split_once('\n').unwrap(),
        None => ("党费收缴", extra),
    };
    site.write(
        &format!("content/disclosure/{slug}.md"),
        &format!(
            "---\ntitle: 党费收缴公示{slug}\ndate: 2026-11-10 09:00\ncategory: {category}\nperiod:\n  start: 2026-11-16\n{extra}---\n现将党费收缴情况公示如下。\n"
        ),
    );
    if !data.is_empty() {
        let dest = site.root().join("content/disclosure").join(data);
        std::fs::write(dest, fixture(data)).unwrap();
    }
}

/// The data table of a rendered page.
fn table_of(html: &str) -> &str {
    let start = html
        .find("<div class=\"table-wrap\"")
        .expect("a data table");
    let end = html[start..].find("</table></div>").unwrap() + start + 14;
    &html[start..end]
}

/// Every output file as text (lossy), path → text.
fn outputs(site: &TestSite) -> Vec<(String, String)> {
    TestSite::tree(&site.out())
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect()
}

const DUES: &str =
    "data: dues.csv\nmask: {姓名: name, 联系电话: phone}\ntotals: [本季度交纳（元）]\n";

#[test]
fn csv_in_utf8_bom_and_gbk_give_the_same_table() {
    let mut tables = Vec::new();
    for file in ["dues-utf8.csv", "dues-bom.csv", "dues-gbk.csv"] {
        let site = site_with("q3", &DUES.replace("dues.csv", file), file);
        site.build_ok();
        tables.push(table_of(&site.read("disclosure/q3/index.html")).to_string());
    }
    assert_eq!(tables[0], tables[1], "BOM");
    assert_eq!(tables[0], tables[2], "GBK");
    let t = &tables[0];
    // Money: thousands separators, two decimals, right-aligned; the 合计 row.
    assert!(t.contains("class=\"num\">3,074.40</td>"), "{t}");
    assert!(t.contains("class=\"num\">12.50</td>"), "{t}");
    assert!(t.contains("<th scope=\"row\">合计</th>"), "{t}");
    assert!(t.contains("class=\"num\">3,247.50</td>"), "{t}");
    // Dates in Chinese, whichever way they were written.
    for d in ["2026年7月8日", "2026年7月15日", "2026年9月1日"] {
        assert!(t.contains(d), "{d}");
    }
    // Masked on output.
    assert!(
        t.contains(">甄*记</td>") && t.contains(">欧**梅</td>"),
        "{t}"
    );
    assert!(t.contains(">139****5678</td>"), "{t}");
    // The title line above the header is not a row.
    assert!(!t.contains("党费收缴明细</td>"));
}

#[test]
fn rendered_table_snapshot() {
    let extra = format!("{DUES}sort: [党员类别, 本季度交纳（元） 降序]\n");
    let site = site_with(
        "q3",
        &extra.replace("dues.csv", "dues-utf8.csv"),
        "dues-utf8.csv",
    );
    site.build_ok();
    insta::assert_snapshot!(table_of(&site.read("disclosure/q3/index.html")));
}

#[test]
fn xlsx_tables_skip_the_title_row_and_read_dates_and_money() {
    let site = site_with(
        "caiwu",
        "category: 财务公开\ndata: finance.xlsx\nmask: {经手人: name}\ntotals: [收入（元）, 支出（元）]\nsort: 日期 降序\n",
        "finance.xlsx",
    );
    site.build_ok();
    let page = site.read("disclosure/caiwu/index.html");
    let t = table_of(&page);
    assert!(t.contains("<caption>财务公开明细</caption>"), "{t}");
    assert!(
        t.contains("<th scope=\"col\" class=\"num\">收入（元）</th>"),
        "{t}"
    );
    assert!(
        t.contains(">42,000.00</td>") && t.contains(">3,200.50</td>"),
        "{t}"
    );
    assert!(
        t.contains(">50,600.25</td>") && t.contains(">9,000.50</td>"),
        "{t}"
    );
    // Newest first, as sorted.
    let sep = t.find("2026年9月18日").unwrap();
    let jul = t.find("2026年7月3日").unwrap();
    assert!(sep < jul);
    assert!(t.contains(">赵*亮</td>") && !page.contains("赵明亮"));
    // Another worksheet by name.
    let text = std::fs::read_to_string(site.root().join("content/disclosure/caiwu.md")).unwrap();
    let text = text
        .replace(
            "mask: {经手人: name}\ntotals: [收入（元）, 支出（元）]\nsort: 日期 降序\n",
            "",
        )
        .replace("data: finance.xlsx\n", "data: finance.xlsx\nsheet: 说明\n");
    site.write("content/disclosure/caiwu.md", &text);
    site.build_ok();
    assert!(table_of(&site.read("disclosure/caiwu/index.html")).contains("村务监督委员会"));
}

/// Builds, expecting failure, and returns stderr.
fn fails(site: &TestSite) -> String {
    site.build_err()
}

#[test]
fn bad_data_files_are_named_with_row_and_column() {
    // A ragged row: the file, its line, and who refers to it (line 7).
    let site = site_with("a", "data: dues-ragged.csv\n", "dues-ragged.csv");
    let err = fails(&site);
    assert!(
        err.contains(
            "错误：content/disclosure/dues-ragged.csv 第 5 行：第 5 行只有 3 列，表头有 4 列"
        ),
        "{err}"
    );
    assert!(
        err.contains("这个数据文件由 content/disclosure/a.md 第 7 行的 data 引用"),
        "{err}"
    );
    // A non-number in a money column (money because it is totalled).
    let site = site_with(
        "a",
        "data: dues-bad-money.csv\ntotals: [金额]\n",
        "dues-bad-money.csv",
    );
    let err = fails(&site);
    assert!(
        err.contains("content/disclosure/dues-bad-money.csv 第 3 行，字段 “金额”：第 3 列 “金额” 的值 “二十” 不是金额"),
        "{err}"
    );
    // A declared money column in a spreadsheet: the column letter.
    let site = site_with(
        "a",
        "data: finance-bad.xlsx\ncolumns: {支出（元）: money}\n",
        "finance-bad.xlsx",
    );
    let err = fails(&site);
    assert!(
        err.contains("finance-bad.xlsx 第 6 行，字段 “支出（元）”：工作表 “三季度” D 列 “支出（元）” 的值 “待定” 不是金额"),
        "{err}"
    );
    // A file in an unknown encoding.
    let site = site_with("a", "data: unknown-encoding.csv\n", "unknown-encoding.csv");
    let err = fails(&site);
    assert!(
        err.contains("content/disclosure/unknown-encoding.csv 第 2 行：文件编码无法识别（不是 UTF-8，也不是 GBK）"),
        "{err}"
    );
    // A missing file: the Markdown file, at the line of `data:`.
    let site = site_with("a", "data: nowhere.csv\n", "");
    let err = fails(&site);
    assert!(
        err.contains("content/disclosure/a.md 第 7 行，字段 “data”：找不到数据文件 “nowhere.csv”"),
        "{err}"
    );
    // Options naming columns the file does not have, or with no data.
    let site = site_with(
        "a",
        "data: dues-utf8.csv\ntotals: [金 额]\nmask: {名字: name}\n",
        "dues-utf8.csv",
    );
    let err = fails(&site);
    assert!(
        err.contains("a.md 第 8 行，字段 “totals”：数据文件中没有名为 “金 额” 的列"),
        "{err}"
    );
    assert!(err.contains("a.md 第 9 行，字段 “mask”"), "{err}");
    let site = site_with("a", "totals: [金额]\n", "");
    assert!(fails(&site).contains("没有 data（数据文件），totals 不起作用"));
    let site = site_with("a", "data: ../../site.yaml\n", "");
    assert!(fails(&site).contains("必须放在这篇文章所在的文件夹中"));
}

#[test]
fn a_failed_data_file_leaves_the_previous_output_untouched() {
    let site = site_with(
        "a",
        "data: dues-utf8.csv\nmask: {姓名: name, 联系电话: phone}\n",
        "dues-utf8.csv",
    );
    site.build_ok();
    let before = TestSite::tree(&site.out());
    site.write("content/disclosure/dues-utf8.csv", "序号,姓名\n1\n");
    fails(&site);
    assert_eq!(TestSite::tree(&site.out()), before);
}

#[test]
fn personal_data_in_a_cell_is_refused_with_file_row_and_column() {
    let site = site_with("a", "data: contacts.csv\n", "contacts.csv");
    let err = fails(&site);
    assert!(
        err.contains("错误：content/disclosure/contacts.csv 第 3 行，字段 “电话”：第 3 列 “电话” 中有未打码的手机号码"),
        "{err}"
    );
    assert!(
        err.contains("mask: {电话: phone}，页面上显示为 135****5678"),
        "{err}"
    );
    // An intranet build shows it (the guard is for the public).
    site.build(&["--scope", "party"]).success();
    // Masked, it builds in public and the number is gone.
    let site = site_with(
        "a",
        "data: contacts.csv\nmask: {电话: phone}\n",
        "contacts.csv",
    );
    site.build_ok();
    assert!(table_of(&site.read("disclosure/a/index.html")).contains("135****5678"));
}

#[test]
fn unmasked_values_reach_no_output() {
    let site = site_with(
        "q3",
        &DUES.replace("dues.csv", "dues-utf8.csv"),
        "dues-utf8.csv",
    );
    site.build_ok();
    let files = outputs(&site);
    for marker in ["甄标记", "欧阳红梅", "王建国", "13912345678", "13812341234"] {
        for (path, text) in &files {
            assert!(!text.contains(marker), "{marker} in {path}");
        }
    }
    // The masked table is in the page and in every feed format.
    for feed in [
        "disclosure/feed.xml",
        "disclosure/atom.xml",
        "disclosure/feed.json",
        "feed.xml",
    ] {
        let text = site.read(feed);
        assert!(text.contains("甄*记"), "{feed}");
        assert!(text.contains("3,247.50"), "{feed}");
    }
    let rss = site.read("disclosure/feed.xml");
    assert!(
        rss.contains("&lt;table&gt;&lt;caption&gt;党费收缴明细")
            || rss.contains("<table><caption>党费收缴明细"),
        "{rss}"
    );
    // The data file itself is never copied.
    assert!(!files.iter().any(|(p, _)| p.ends_with(".csv")));
}

#[test]
fn a_data_file_cannot_be_published_as_a_file() {
    let site = site_with(
        "a",
        "data: dues-utf8.csv\nmask: {姓名: name, 联系电话: phone}\n",
        "dues-utf8.csv",
    );
    let text = std::fs::read_to_string(site.root().join("content/disclosure/a.md")).unwrap();
    site.write(
        "content/disclosure/a.md",
        &format!("{text}\n[下载原始表格](dues-utf8.csv)\n"),
    );
    let err = fails(&site);
    assert!(
        err.contains("content/disclosure/a.md 第 12 行")
            && err.contains(
                "数据文件 “dues-utf8.csv” 已作为表格公开，不能再作为附件、图片或链接发布"
            ),
        "{err}"
    );
}

#[test]
fn unpublished_and_withdrawn_tables_leak_nowhere() {
    let site = TestSite::basic();
    // A draft, a party-only and a future item, each with a data table.
    put(
        &site,
        "draft",
        "draft: true\ndata: dues-utf8.csv\n",
        "dues-utf8.csv",
    );
    put(
        &site,
        "party",
        "scope: party\ndata: dues-bom.csv\n",
        "dues-bom.csv",
    );
    // (Masked: a scheduled public item is held to the personal-data guard
    // now, not on the day it goes live.)
    put(
        &site,
        "future",
        "data: dues-gbk.csv\nmask: {联系电话: phone}\n",
        "dues-gbk.csv",
    );
    let text = std::fs::read_to_string(site.root().join("content/disclosure/future.md")).unwrap();
    site.write(
        "content/disclosure/future.md",
        &text.replace("date: 2026-11-10 09:00", "date: 2026-12-10 09:00"),
    );
    // A 公示 withdrawn after its period: its table goes with its body.
    put(
        &site,
        "old",
        "data: contacts.csv\nmask: {电话: phone}\nafter_period: withdraw\n",
        "contacts.csv",
    );
    let text = std::fs::read_to_string(site.root().join("content/disclosure/old.md")).unwrap();
    site.write(
        "content/disclosure/old.md",
        &text.replace("start: 2026-11-16", "start: 2026-10-12"),
    );
    site.build_ok();
    for (path, text) in outputs(&site) {
        for marker in [
            "甄标记",
            "甄*记",
            "13912345678",
            "139****5678",
            "3,074.40",
            "135****5678",
            "0633-***4567",
        ] {
            assert!(!text.contains(marker), "{marker} in {path}");
        }
    }
    assert!(
        site.read("disclosure/old/index.html")
            .contains("公示内容已按规定撤下")
    );
}

#[test]
fn editing_the_data_file_updates_the_preview() {
    let site = site_with("a", "data: dues-bad-money.csv\n", "dues-bad-money.csv");
    site.write(
        "content/disclosure/dues-bad-money.csv",
        "序号,姓名,金额\n1,张三,10.00\n",
    );
    let opts = BuildOptions {
        scope: Scope::Unit,
        drafts: true,
        future: true,
        now: Some(NOW.into()),
        ..BuildOptions::new(site.root())
    };
    let mut engine = Engine::new(opts.clone());
    engine.rebuild(&[]).unwrap();
    let rel = "content/disclosure/dues-bad-money.csv";
    site.write(rel, "序号,姓名,金额\n1,张三,10.00\n2,李四,7654.5\n");
    let u = engine.rebuild(&[rel.into()]).unwrap();
    assert!(
        u.changed.contains(&"disclosure/a/index.html".to_string()),
        "{u:?}"
    );
    let files = engine.read_all();
    let page = String::from_utf8_lossy(&files["disclosure/a/index.html"]).into_owned();
    assert!(page.contains("7,654.50"), "{page}");
    assert_eq!(files, full_build(&opts).unwrap());
    // A broken edit is reported with its row; the last good files stay.
    site.write(rel, "序号,姓名,金额\n1,张三\n");
    let errs = engine.rebuild(&[rel.into()]).unwrap_err();
    assert_eq!(errs[0].line, Some(2), "{errs:?}");
}

// ---- 公示期 and the holiday calendar ----

fn disclosure_from(start: &str) -> TestSite {
    let site = TestSite::basic();
    site.write(
        "content/disclosure/h.md",
        &format!(
            "---\ntitle: 假期公示\ndate: 2026-01-05 09:00\nperiod:\n  start: {start}\n---\n正文\n"
        ),
    );
    site
}

#[test]
fn the_period_follows_the_official_holidays() {
    // National Day and Mid-Autumn 2026: 1–7 Oct off, Saturday 10 Oct worked.
    let site = disclosure_from("2026-09-30");
    site.build_ok();
    let page = site.read("disclosure/h/index.html");
    assert!(
        page.contains("data-end=\"2026-10-12T23:59:59+08:00\""),
        "{page}"
    );
    assert!(page.contains("至 <time datetime=\"2026-10-12T23:59:59+08:00\">2026年10月12日</time>"));
    // Spring Festival 2026: Saturday 14 Feb worked, 15–23 Feb off.
    let site = disclosure_from("2026-02-12");
    site.build_ok();
    let page = site.read("disclosure/h/index.html");
    assert!(
        page.contains("data-end=\"2026-02-25T23:59:59+08:00\""),
        "{page}"
    );
}

#[test]
fn a_year_without_a_schedule_warns_but_builds() {
    let site = disclosure_from("2027-03-01");
    let out = site.build(&[]).success().get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "警告：content/disclosure/h.md 第 4 行，字段 “period”：公示期（5 个工作日）经过 2027 年"
        ),
        "{err}"
    );
    assert!(
        site.read("disclosure/h/index.html")
            .contains("2027年3月5日")
    );
    // `check` lists it as a warning and passes.
    let out = site
        .run("check", &["--json", "--now", NOW])
        .success()
        .get_output()
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["severity"], "warning", "{json}");
    assert_eq!(json[0]["path"], "content/disclosure/h.md");
    // A site that gives the year's days has no warning, and they count.
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &format!("{yaml}  holidays: [2027-03-02]\n  workdays: []\n"),
    );
    let out = site.build(&[]).success().get_output().clone();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("警告"));
    assert!(
        site.read("disclosure/h/index.html")
            .contains("2027年3月8日")
    );
}

// ---- the footer ----

#[test]
fn the_footer_carries_the_site_identity_in_order() {
    let site = TestSite::basic();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &yaml.replace(
            "footer:\n  icp: 京ICP备00000000号-1\n",
            "footer:\n  sponsor: 中共测试县委组织部\n  organizer: 测试县融媒体中心\n  site_code: \"1100000001\"\n  party_gov_mark: https://bszs.conac.cn/sitename?method=show&id=1\n  icp: 京ICP备00000000号-1\n  police: 京公网安备11010502030000号\n  contact: 0633-1234567\n",
        ),
    );
    site.build_ok();
    let home = site.read("index.html");
    let footer = &home[home.find("<footer").unwrap()..];
    let order = [
        "<span>主办单位：中共测试县委组织部</span> <span>承办单位：测试县融媒体中心</span>",
        "联系方式：0633-1234567",
        "订阅本站",
        "<span>网站标识码：1100000001</span>",
        "<a href=\"https://beian.miit.gov.cn/\" rel=\"noopener\">京ICP备00000000号-1</a>",
        "<a class=\"police\" href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030000\" rel=\"noopener\">京公网安备11010502030000号</a>",
        "<a class=\"gov-mark\" href=\"https://bszs.conac.cn/sitename?method=show&amp;id=1\" rel=\"noopener\">",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|s| footer.find(s).unwrap_or_else(|| panic!("{s} in {footer}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    // Identity lines an inspection checks are validated.
    site.write(
        "site.yaml",
        &yaml.replace(
            "  icp: 京ICP备00000000号-1\n",
            "  icp: 京ICP备00000000号-1\n  site_code: 待定\n",
        ),
    );
    let err = site.build_err();
    assert!(
        err.contains(
            "site.yaml 第 7 行，字段 “footer.site_code”：网站标识码 “待定” 只能由字母和数字组成"
        ),
        "{err}"
    );
}
