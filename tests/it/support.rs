//! A temporary copy of a fixture site that tests edit, build and read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use walkdir::WalkDir;

/// The instant every test build uses.
pub const NOW: &str = "2026-11-21T12:00:00+08:00";

pub struct TestSite {
    dir: tempfile::TempDir,
}

impl TestSite {
    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Self {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let dir = tempfile::tempdir().unwrap();
        for e in WalkDir::new(&src) {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(&src).unwrap();
            let dest = dir.path().join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
        TestSite { dir }
    }

    /// The basic fixture: every kind, a bundle, branches, tags, gated items.
    pub fn basic() -> Self {
        Self::fixture("basic")
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.root().join(rel)).unwrap();
        self
    }

    /// `dangjian <command> --root <site> <args>`, with no default `--now`.
    pub fn run(&self, command: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("dangjian")
            .unwrap()
            // Relative paths in a test (`--out notes.txt`) stay in its site.
            .current_dir(self.root())
            .args([command, "--root"])
            .arg(self.root())
            .args(args)
            .assert()
    }

    /// `dangjian build --root <site> --now NOW <args>`.
    pub fn build(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.run("build", &[&["--now", NOW], args].concat())
    }

    pub fn build_ok(&self) -> &Self {
        self.build(&[]).success();
        self
    }

    /// Builds and returns stderr, asserting failure.
    pub fn build_err(&self) -> String {
        let out = self.build(&[]).failure().get_output().clone();
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn out(&self) -> PathBuf {
        self.root().join("output")
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.out().join(rel).exists()
    }

    /// Every file under `dir`, path → bytes.
    pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }
}

/// A real PNG of `w` × `h` pixels (a blue-green gradient).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 160])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
