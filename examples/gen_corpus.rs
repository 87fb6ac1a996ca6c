//! Generates a realistic benchmark corpus:
//! `gen_corpus N DIR [--hugo HUGO_DIR] [--zola ZOLA_DIR]`.
//!
//! N items of all four kinds (about 2,000 characters each, with headings,
//! lists, tables, occasional code and internal links), spread over 41
//! branches and 15 tags. With `--hugo` and `--zola`, the same content is
//! also written as a Hugo site and a Zola site with equivalent templates
//! (item pages, paginated section listings, tags and branches taxonomies,
//! one feed), for `bench/run.sh`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const TAGS: &[&str] = &[
    "主题党日",
    "三会一课",
    "乡村振兴",
    "基层党建",
    "学习教育",
    "党风廉政",
    "为民办实事",
    "党员冬训",
    "集体经济",
    "志愿服务",
    "干部培训",
    "换届选举",
    "党费",
    "组织生活会",
    "民主评议",
];
const PHRASES: &[&str] = &[
    "支部组织全体党员认真学习有关文件精神",
    "坚持把党的政治建设摆在首位",
    "围绕中心工作抓党建、抓好党建促发展",
    "党员干部深入田间地头了解群众诉求",
    "进一步规范“三会一课”和主题党日制度",
    "以组织振兴引领乡村全面振兴",
    "推动各项任务落地见效",
    "广泛听取党员和群众的意见建议",
    "持续深化作风建设，切实减轻基层负担",
    "把学习成果转化为推动工作的实际行动",
    "发挥党支部战斗堡垒作用和党员先锋模范作用",
    "建立问题清单、任务清单和责任清单",
];
const COURSES: &[&str] = &[
    "ershida",
    "dangzhang",
    "dangshi",
    "tiaoli",
    "nongcun",
    "lianzheng",
];

/// A small deterministic generator, so every run makes the same corpus.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

struct Item {
    dir: String,
    file: String,
    kind: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .expect("usage: gen_corpus N DIR [--hugo HUGO_DIR]");
    let dir = Path::new(
        args.get(2)
            .expect("usage: gen_corpus N DIR [--hugo HUGO_DIR]"),
    );
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(Path::new)
    };
    let (hugo, zola) = (flag("--hugo"), flag("--zola"));
    for other in [hugo, zola].into_iter().flatten() {
        let _ = fs::remove_dir_all(other);
    }
    let _ = fs::remove_dir_all(dir);
    let branches = write_config(dir);
    let mut rng = Lcg(42);
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let kind = i % 10; // 5 news, 2 notices, 2 disclosures, 1 lesson in every 10
            let (dir, file) = match kind {
                0..=4 => ("news".to_string(), format!("n{i:06}.md")),
                5 | 6 => ("notices".to_string(), format!("t{i:06}.md")),
                7 | 8 => ("disclosure".to_string(), format!("d{i:06}.md")),
                _ => (
                    format!("lessons/{}", COURSES[i % COURSES.len()]),
                    format!("l{i:06}.md"),
                ),
            };
            Item { dir, file, kind }
        })
        .collect();
    for c in COURSES {
        write(
            &dir.join(format!("content/lessons/{c}/_index.md")),
            &format!("---\ntitle: 课程 {c}\norder: 1\n---\n课程介绍。\n"),
        );
    }
    for (i, item) in items.iter().enumerate() {
        let text = item_text(i, item, &items, &branches, &mut rng);
        write(&dir.join("content").join(&item.dir).join(&item.file), &text);
        if let Some(h) = hugo {
            write(
                &h.join("content").join(&item.dir).join(&item.file),
                &hugo_text(&text),
            );
        }
        if let Some(z) = zola {
            write(
                &z.join("content").join(&item.dir).join(&item.file),
                &zola_text(&text),
            );
        }
    }
    if let Some(z) = zola {
        write_zola(z);
    }
    if let Some(h) = hugo {
        write_hugo(h);
        for c in COURSES {
            write(
                &h.join(format!("content/lessons/{c}/_index.md")),
                &format!("---\ntitle: 课程 {c}\n---\n课程介绍。\n"),
            );
        }
    }
    println!("wrote {n} items to {}", dir.display());
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// site.yaml with 41 branches: a county, 4 towns, 9 villages each.
fn write_config(dir: &Path) -> Vec<String> {
    let mut yaml = String::from(
        "title: 基准测试党建网\nbase_url: https://bench.example.org/\npagination: 20\ndisclosure:\n  contact: 基准县委组织部 0633-1234567\norganization:\n  id: county\n  name: 中共基准县委\n  children:\n",
    );
    let mut ids = vec!["county".to_string()];
    for t in 0..4 {
        let _ = write!(
            yaml,
            "    - id: town{t}\n      name: 第{t}镇党委\n      children:\n"
        );
        ids.push(format!("town{t}"));
        for v in 0..9 {
            let _ = writeln!(
                yaml,
                "        - id: v{t}-{v}\n          name: 第{t}镇第{v}村党支部"
            );
            ids.push(format!("v{t}-{v}"));
        }
    }
    write(&dir.join("site.yaml"), &yaml);
    ids
}

fn paragraph(rng: &mut Lcg) -> String {
    let mut p = String::new();
    for _ in 0..5 {
        p.push_str(rng.pick(PHRASES));
        p.push_str(if rng.next().is_multiple_of(3) {
            "；"
        } else {
            "，"
        });
    }
    p.push_str(rng.pick(PHRASES));
    p.push('。');
    p
}

fn item_text(i: usize, item: &Item, items: &[Item], branches: &[String], rng: &mut Lcg) -> String {
    let day = i % 300;
    let date = format!(
        "2026-{:02}-{:02} {:02}:{:02}",
        1 + day / 28 % 10,
        1 + day % 28,
        8 + i % 10,
        i % 60
    );
    let branch = &branches[rng.next() % branches.len()];
    let t1 = rng.pick(TAGS);
    let t2 = rng.pick(TAGS);
    let tags = if t1 == t2 {
        format!("[{t1}]")
    } else {
        format!("[{t1}, {t2}]")
    };
    let mut fm = format!(
        "---\ntitle: 第{i}号{}\ndate: {date}\nbranch: {branch}\ntags: {tags}\n",
        [
            "动态", "动态", "动态", "动态", "动态", "通知", "通知", "公示", "公示", "课程"
        ][item.kind]
    );
    match item.kind {
        5 | 6 => fm.push_str(&format!(
            "level: {}\nexpires: 2027-01-01\n",
            ["normal", "important"][i % 2]
        )),
        7 | 8 => fm.push_str(&format!(
            "category: {}\nperiod:\n  start: {}\n",
            ["dues", "membership", "meetings", "finance"][i % 4],
            &date[..10]
        )),
        9 => fm.push_str(&format!("order: {}\nduration: 20\n", i / 10)),
        _ => {}
    }
    fm.push_str("---\n");
    let mut body = String::new();
    for s in 0..3 {
        let _ = writeln!(body, "## 第{}部分 {}\n", s + 1, rng.pick(PHRASES));
        for _ in 0..2 {
            body.push_str(&paragraph(rng));
            body.push_str("\n\n");
        }
    }
    body.push_str("- 学习文件精神\n- 开展走访调研\n- 抓好整改落实\n\n");
    body.push_str("| 项目 | 数量 | 完成情况 |\n|---|---|---|\n| 走访群众 | 32 | 已完成 |\n| 解决问题 | 12 | 推进中 |\n\n");
    if i.is_multiple_of(20) {
        body.push_str("```yaml\n安排: 周五下午\n地点: 党员活动室\n```\n\n");
    }
    if i > 0 {
        // A link to an earlier item, as editors write them.
        let target = &items[rng.next() % i];
        let here = Path::new(&item.dir);
        let depth = here.components().count();
        let _ = writeln!(
            body,
            "相关内容见[此前发布的文章]({}{}/{})。",
            "../".repeat(depth),
            target.dir,
            target.file
        );
    }
    fm + &body
}

/// Zola's front matter (TOML): title, date, taxonomies; the rest of ours
/// goes under `extra`, which Zola keeps but does not read.
fn zola_text(text: &str) -> String {
    let rest = text.strip_prefix("---\n").unwrap_or(text);
    let (fm, body) = rest.split_once("\n---\n").unwrap_or(("", rest));
    let field = |k: &str| {
        fm.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap_or("")
            .to_string()
    };
    let date = field("date").replacen(' ', "T", 1);
    let list = |v: String| {
        v.trim_matches(['[', ']'])
            .split(',')
            .map(|t| format!("\"{}\"", t.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "+++\ntitle = \"{}\"\ndate = {date}:00\n[taxonomies]\ntags = [{}]\nbranches = [{}]\n+++\n{body}",
        field("title"),
        list(field("tags")),
        list(field("branch")),
    )
}

/// A Zola site: config.toml, section indexes and templates equivalent to
/// the Hugo site's (and Tera, like dangjian's).
fn write_zola(z: &Path) {
    write(
        &z.join("config.toml"),
        "base_url = \"https://bench.example.org\"\ntitle = \"基准测试党建网\"\ndefault_language = \"zh\"\ncompile_sass = false\nbuild_search_index = false\ngenerate_feeds = true\ntaxonomies = [\n  { name = \"tags\", paginate_by = 20 },\n  { name = \"branches\", paginate_by = 20 },\n]\n",
    );
    for (section, title) in [
        ("news", "党建动态"),
        ("notices", "通知公告"),
        ("disclosure", "党务公开"),
        ("lessons", "学习园地"),
    ] {
        write(
            &z.join("content").join(section).join("_index.md"),
            &format!("+++\ntitle = \"{title}\"\nsort_by = \"date\"\npaginate_by = 20\n+++\n"),
        );
    }
    for c in COURSES {
        write(
            &z.join(format!("content/lessons/{c}/_index.md")),
            &format!(
                "+++\ntitle = \"课程 {c}\"\nsort_by = \"date\"\npaginate_by = 20\n+++\n课程介绍。\n"
            ),
        );
    }
    let base = r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock title %}</title><link rel="stylesheet" href="/style.css"></head><body><nav>{% set root = get_section(path="_index.md") %}{% for s in root.subsections %}{% set sec = get_section(path=s, metadata_only=true) %}<a href="{{ sec.permalink }}">{{ sec.title }}</a>{% endfor %}</nav><main>{% block main %}{% endblock main %}</main><footer>{{ config.title }}</footer></body></html>"#;
    let page = r#"{% extends "base.html" %}{% block title %}{{ page.title }} - {{ config.title }}{% endblock title %}{% block main %}<article><h1>{{ page.title }}</h1><time>{{ page.date | date(format="%Y年%-m月%-d日") }}</time> <span>约 {{ page.reading_time }} 分钟</span>{{ page.content | safe }}<p>{% if page.taxonomies.tags %}{% for t in page.taxonomies.tags %}<a href="{{ get_taxonomy_url(kind="tags", name=t) }}">{{ t }}</a>{% endfor %}{% endif %}</p>{% if page.lower %}<a href="{{ page.lower.permalink }}">{{ page.lower.title }}</a>{% endif %}{% if page.higher %}<a href="{{ page.higher.permalink }}">{{ page.higher.title }}</a>{% endif %}</article>{% endblock main %}"#;
    let list = r#"<ul>{% for p in paginator.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date | date(format="%Y年%-m月%-d日") }}</time><p>{{ p.content | striptags | truncate(length=140) }}</p></li>{% endfor %}</ul>{% if paginator.previous %}<a href="{{ paginator.previous }}">上一页</a>{% endif %}{% if paginator.next %}<a href="{{ paginator.next }}">下一页</a>{% endif %}"#;
    let section = format!(
        r#"{{% extends "base.html" %}}{{% block main %}}<h1>{{{{ section.title }}}}</h1>{list}{{% endblock main %}}"#
    );
    let term = format!(
        r#"{{% extends "base.html" %}}{{% block main %}}<h1>{{{{ term.name }}}}</h1>{list}{{% endblock main %}}"#
    );
    let index = r#"{% extends "base.html" %}{% block main %}{% set root = get_section(path="_index.md") %}{% for s in root.subsections %}{% set sec = get_section(path=s) %}{% for p in sec.pages | slice(end=5) %}<a href="{{ p.permalink }}">{{ p.title }}</a>{% endfor %}{% endfor %}{% endblock main %}"#;
    let terms = r#"{% extends "base.html" %}{% block main %}<ul>{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}（{{ t.page_count }}）</a></li>{% endfor %}</ul>{% endblock main %}"#;
    for (name, text) in [
        ("base.html", base),
        ("page.html", page),
        ("section.html", section.as_str()),
        ("index.html", index),
        ("taxonomy_list.html", terms),
        ("taxonomy_single.html", term.as_str()),
    ] {
        write(&z.join("templates").join(name), text);
    }
}

/// Hugo ignores unknown front matter but wants `branches` as a taxonomy.
fn hugo_text(text: &str) -> String {
    text.replacen("\nbranch: ", "\nbranches: ", 1)
}

fn write_hugo(h: &Path) {
    write(
        &h.join("hugo.toml"),
        "baseURL = 'https://bench.example.org/'\nlanguageCode = 'zh-CN'\ntitle = '基准测试党建网'\ndisableKinds = []\n[pagination]\npagerSize = 20\n[taxonomies]\ntag = 'tags'\nbranch = 'branches'\n[outputs]\nhome = ['html', 'rss']\nsection = ['html']\ntaxonomy = ['html']\nterm = ['html']\n[markup.highlight]\nnoClasses = false\n",
    );
    let base = r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title><link rel="stylesheet" href="/style.css"></head><body><nav>{{ range site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav><main>{{ block "main" . }}{{ end }}</main><footer>{{ site.Title }}</footer></body></html>"#;
    let single = r#"{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006年1月2日" }}</time> <span>约 {{ .ReadingTime }} 分钟</span>{{ .Content }}<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</article>{{ end }}"#;
    let list = r#"{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ $p := .Paginate .RegularPagesRecursive }}{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006年1月2日" }}</time><p>{{ .Summary | plainify | truncate 140 }}</p></li>{{ end }}</ul>{{ template "_internal/pagination.html" . }}{{ end }}"#;
    let home = r#"{{ define "main" }}{{ range first 20 site.RegularPages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}"#;
    let terms = r#"{{ define "main" }}<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}（{{ .Count }}）</a></li>{{ end }}</ul>{{ end }}"#;
    for (name, text) in [
        ("_default/baseof.html", base),
        ("_default/single.html", single),
        ("_default/list.html", list),
        ("_default/term.html", list),
        ("_default/taxonomy.html", terms),
        ("index.html", home),
    ] {
        write(&h.join("layouts").join(name), text);
    }
}
