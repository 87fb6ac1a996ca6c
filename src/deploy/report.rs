//! What a deploy tells the editor: the plan of a dry run and the closing
//! summary, in Chinese.

use std::fmt::Write;
use std::time::Duration;

use super::plan::Plan;

/// `12.3 MB`, `512 B`: sizes as editors read them (1 MB = 1,000,000 bytes).
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.2} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

/// The plan, file by file, for `--dry-run`.
pub(crate) fn dry_run(plan: &Plan, target: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "试运行（--dry-run）：以下操作不会执行，目标 {target} 保持不变"
    );
    let mut class = None;
    for u in &plan.uploads {
        if class != Some(u.class) {
            class = Some(u.class);
            let _ = writeln!(out, "{}：", u.class.label());
        }
        let what = if u.new { "新增" } else { "更新" };
        let _ = writeln!(out, "  {what} {}（{}）", u.path, size(u.entry.size));
    }
    if !plan.deletes.is_empty() {
        let _ = writeln!(out, "删除（最后进行）：");
        for p in &plan.deletes {
            let _ = writeln!(out, "  删除 {p}");
        }
    }
    let _ = write!(
        out,
        "将上传 {} 个文件（{}），删除 {} 个，{} 个未变（{}）",
        plan.uploads.len(),
        size(plan.upload_bytes()),
        plan.deletes.len(),
        plan.unchanged,
        size(plan.unchanged_bytes)
    );
    out
}

/// The closing line of a finished deploy.
pub(crate) fn summary(
    target: &str,
    uploaded: usize,
    bytes: u64,
    deleted: usize,
    unchanged: usize,
    elapsed: Duration,
) -> String {
    format!(
        "发布完成（目标 {target}）：上传 {uploaded} 个文件（{}），删除 {deleted} 个，{unchanged} 个未变，用时 {:.1} 秒",
        size(bytes),
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(12_345), "12.3 KB");
        assert_eq!(size(12_345_678), "12.3 MB");
    }

    #[test]
    fn summary_names_every_count() {
        let s = summary("oss", 3, 2048, 1, 100, Duration::from_millis(1500));
        assert_eq!(
            s,
            "发布完成（目标 oss）：上传 3 个文件（2.0 KB），删除 1 个，100 个未变，用时 1.5 秒"
        );
    }
}
