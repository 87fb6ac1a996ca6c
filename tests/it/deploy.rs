//! `dangjian deploy` to a folder target (`type: fs`): change detection,
//! order, deletions and their cap, dry runs, scope safety, secrets, and
//! resuming after an interruption. The same flows run against real S3 and
//! FTP servers in tests/external/deploy.sh.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::support::TestSite;

const MANIFEST: &str = ".dangjian-manifest.json";

/// A basic site with a folder target outside it.
struct Deploy {
    site: TestSite,
    dest: tempfile::TempDir,
}

impl Deploy {
    fn new(extra: &str) -> Deploy {
        let site = TestSite::basic();
        let dest = tempfile::tempdir().unwrap();
        let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
        site.write(
            "site.yaml",
            &format!(
                "{yaml}\ndeploy:\n  - name: lan\n    type: fs\n    root: {}\n    prefix: www\n{extra}",
                dest.path().display()
            ),
        );
        Deploy { site, dest }
    }

    fn www(&self) -> PathBuf {
        self.dest.path().join("www")
    }

    fn deploy(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.site.run("deploy", args)
    }

    /// Deploys, returning stdout; asserts success.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.deploy(args).success().get_output().stdout.clone();
        String::from_utf8(out).unwrap()
    }

    fn err(&self, args: &[&str]) -> String {
        let out = self.deploy(args).failure().get_output().stderr.clone();
        String::from_utf8(out).unwrap()
    }

    /// The target's files, without dangjian's own.
    fn remote(&self) -> BTreeMap<String, Vec<u8>> {
        let mut t = TestSite::tree(&self.www());
        t.remove(MANIFEST);
        t
    }
}

/// `上传 N 个文件` from the closing summary.
fn uploaded(stdout: &str) -> usize {
    let line = stdout.lines().find(|l| l.starts_with("发布完成")).unwrap();
    let n = line.split("上传 ").nth(1).unwrap();
    n.split(' ').next().unwrap().parse().unwrap()
}

/// Paths named by `-v` as uploaded.
fn uploaded_paths(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  上传 "))
        .map(str::to_string)
        .collect()
}

fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> usize {
    b.iter()
        .filter(|(p, bytes)| a.get(*p) != Some(bytes))
        .count()
}

#[test]
fn first_deploy_equals_the_output_and_a_second_uploads_nothing() {
    let d = Deploy::new("");
    d.site.build_ok();
    let out = d.ok(&[]);
    let local = TestSite::tree(&d.site.out());
    assert_eq!(uploaded(&out), local.len(), "{out}");
    assert_eq!(d.remote(), local);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.www().join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(manifest["scope"], "public");
    assert_eq!(
        manifest["files"]["index.html"]["type"],
        "text/html; charset=utf-8"
    );
    assert!(!d.www().join(".dangjian-journal").exists());
    let again = d.ok(&[]);
    assert!(again.contains("上传 0 个文件"), "{again}");
    assert!(
        again.contains(&format!("{} 个未变", local.len())),
        "{again}"
    );
}

#[test]
fn a_changed_item_uploads_only_changed_files_in_order() {
    let d = Deploy::new("");
    d.site.build_ok();
    d.ok(&[]);
    let before = TestSite::tree(&d.site.out());
    let text = std::fs::read_to_string(d.site.root().join("content/news/second.md")).unwrap();
    d.site.write(
        "content/news/second.md",
        &format!("{text}\n补充一段新的正文。\n"),
    );
    d.site.build_ok();
    let after = TestSite::tree(&d.site.out());
    let changed = differing(&before, &after);
    assert!(changed >= 1 && changed < after.len() / 2, "{changed}");
    let out = d.ok(&["-v"]);
    assert_eq!(uploaded(&out), changed, "{out}");
    assert_eq!(d.remote(), after);
    // Assets and feeds before pages, the home page last.
    let paths = uploaded_paths(&out);
    let rank = |p: &str| match p {
        "index.html" => 3,
        p if p.ends_with(".html") => 2,
        p if p.ends_with(".xml") || p.ends_with(".json") || p.ends_with(".txt") => 1,
        _ => 0,
    };
    let ranks: Vec<_> = paths.iter().map(|p| rank(p)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{paths:?}");
}

#[test]
fn a_removed_item_is_deleted_within_the_cap() {
    let d = Deploy::new("");
    d.site.build_ok();
    d.ok(&[]);
    assert!(d.www().join("news/second/index.html").exists());
    d.site.remove("content/news/second.md");
    d.site.build_ok();
    // Over the cap: refused, nothing changed.
    let before = d.remote();
    let err = d.err(&["--max-deletes", "0"]);
    assert!(
        err.contains("超过上限 0") && err.contains("--max-deletes"),
        "{err}"
    );
    assert_eq!(d.remote(), before);
    let out = d.ok(&[]);
    assert!(out.contains("删除 "), "{out}");
    assert_eq!(d.remote(), TestSite::tree(&d.site.out()));
    // Its folder went with it.
    assert!(!d.www().join("news/second").exists());
}

#[test]
fn dry_run_lists_the_plan_and_changes_nothing() {
    let d = Deploy::new("");
    d.site.build_ok();
    let out = d.ok(&["--dry-run"]);
    assert!(
        out.contains("试运行") && out.contains("新增 index.html"),
        "{out}"
    );
    assert!(!d.www().exists() || TestSite::tree(&d.www()).is_empty());
    d.ok(&[]);
    d.site.remove("content/news/second.md");
    d.site.build_ok();
    let before = TestSite::tree(&d.www());
    let out = d.ok(&["--dry-run"]);
    assert!(out.contains("删除 news/second/index.html"), "{out}");
    assert_eq!(TestSite::tree(&d.www()), before);
}

#[test]
fn a_public_target_refuses_a_party_build() {
    let d = Deploy::new("");
    d.site.build(&["--scope", "party"]).success();
    let err = d.err(&[]);
    assert!(
        err.contains("拒绝发布") && err.contains("public: false"),
        "{err}"
    );
    assert!(!d.www().exists());
    // An intranet target (public: false) takes it.
    let lan = Deploy::new("    public: false\n");
    lan.site.build(&["--scope", "party"]).success();
    lan.ok(&[]);
    assert!(lan.remote().keys().any(|p| p.contains("party-item-slug")));
}

#[test]
fn a_public_deploy_carries_no_unpublished_item() {
    let d = Deploy::new("");
    d.site.build_ok();
    d.ok(&[]);
    let markers = [
        "DRAFT-TITLE-MARKER",
        "draft-item-slug",
        "FUTURE-BODY-MARKER",
        "future-item-slug",
        "PARTY-TITLE-MARKER",
        "party-item-slug",
    ];
    for (path, bytes) in TestSite::tree(&d.www()) {
        let text = String::from_utf8_lossy(&bytes);
        for m in markers {
            assert!(!path.contains(m) && !text.contains(m), "{m} in {path}");
        }
    }
}

#[test]
fn secrets_in_site_yaml_are_refused_with_their_line() {
    let d = Deploy::new("    secret: hunter2\n");
    d.site.build_err();
    let err = d.err(&[]);
    assert!(
        err.contains("不能写密钥") && err.contains("DANGJIAN_DEPLOY_SECRET"),
        "{err}"
    );
    let yaml = std::fs::read_to_string(d.site.root().join("site.yaml")).unwrap();
    let line = yaml.lines().position(|l| l.contains("hunter2")).unwrap() + 1;
    assert!(err.contains(&format!("第 {line} 行")), "{err}");
    assert!(!err.contains("hunter2"));
}

#[test]
fn unknown_targets_keys_and_missing_builds_are_explained() {
    let d = Deploy::new("");
    let err = d.err(&[]);
    assert!(err.contains("build.json"), "{err}");
    d.site.build_ok();
    let err = d.err(&["--target", "oss"]);
    assert!(err.contains("“oss”") && err.contains("lan"), "{err}");
    let bad = Deploy::new("    bukket: x\n");
    let err = bad.site.build_err();
    assert!(
        err.contains("deploy.bukket") && err.contains("bucket"),
        "{err}"
    );
}

/// Copies `rel` from the output into the target, as an upload that arrived.
fn arrive(d: &Deploy, rel: &str) {
    let dest = d.www().join(rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(d.site.out().join(rel), dest).unwrap();
}

/// A journal part as an interrupted run leaves it, with the entries the
/// manifest `m` gives the files.
fn journal_part(d: &Deploy, m: &serde_json::Value, run: &str, seq: u32, rels: &[&str]) {
    let files: serde_json::Map<String, serde_json::Value> = rels
        .iter()
        .map(|rel| (rel.to_string(), m["files"][*rel].clone()))
        .collect();
    let part = serde_json::json!({"run": run, "seq": seq, "files": files});
    let dir = d.www().join(".dangjian-journal");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{run}-{seq:06}.json")), part.to_string()).unwrap();
}

#[test]
fn an_interrupted_deploy_resumes_without_sending_arrived_files_again() {
    let scratch = tempfile::tempdir().unwrap();
    let d = Deploy::new(&format!(
        "  - name: scratch\n    type: fs\n    root: {}\n",
        scratch.path().display()
    ));
    d.site.build_ok();
    d.ok(&[]);
    // Change two items: four or more files differ.
    for f in ["content/news/second.md", "content/news/third.md"] {
        let text = std::fs::read_to_string(d.site.root().join(f)).unwrap();
        d.site.write(f, &format!("{text}\n中断测试新增的一段。\n"));
    }
    let before = d.remote();
    d.site.build_ok();
    let after = TestSite::tree(&d.site.out());
    let changed: Vec<String> = after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(b))
        .map(|(p, _)| p.clone())
        .collect();
    assert!(changed.len() >= 4, "{changed:?}");
    // The entries of the new output, from a deploy elsewhere.
    d.ok(&["--target", "scratch"]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.path().join(MANIFEST)).unwrap()).unwrap();
    // A run stopped after batch 1 finished and while batch 2 was under way:
    // batch 1 arrived whole, batch 2 only its first file.
    let (b1, b2) = changed.split_at(2);
    let b1: Vec<&str> = b1.iter().map(String::as_str).collect();
    let b2: Vec<&str> = b2.iter().map(String::as_str).collect();
    for rel in b1.iter().chain(&b2[..1]) {
        arrive(&d, rel);
    }
    journal_part(&d, &m, "0000000000001-1", 1, &b1);
    journal_part(&d, &m, "0000000000001-1", 2, &b2);
    let out = d.ok(&["-v"]);
    assert!(out.contains("上次发布没有完成"), "{out}");
    let sent = uploaded_paths(&out);
    for rel in b1.iter().chain(&b2[..1]) {
        assert!(!sent.iter().any(|s| s == rel), "{rel} sent twice: {sent:?}");
    }
    assert_eq!(sent.len(), changed.len() - 3, "{sent:?}");
    assert_eq!(d.remote(), after);
    assert!(!d.www().join(".dangjian-journal").exists());
}
