//! Published raster images, made fit for phones: EXIF orientation applied,
//! resized to a few widths, re-encoded without metadata, cached between
//! builds. Original files are published only with `keep_original: true`,
//! and then with their metadata removed losslessly ([`strip`]).
//!
//! The content walk reads each image's header ([`probe`]); the model names
//! every variant from that alone ([`variants`], so pages get `srcset`,
//! `width` and `height` without reading a file); this stage, between the
//! model and the writer, decides which files the build publishes
//! ([`plan`]) and makes the missing ones in parallel ([`process`]) into the
//! cache folder ([`cache`]), from which the writer copies them.

pub mod cache;
pub(crate) mod plan;
pub(crate) mod probe;
pub(crate) mod process;
pub(crate) mod strip;
mod webp;

use std::path::PathBuf;

pub use plan::{Outputs, run};
use probe::{Format, Probe};

/// Widths (CSS pixels × density) every published photo is resized to,
/// never above its own width. Chromium takes the smallest candidate at
/// least as dense as the screen: the middle width serves the article
/// column (`SIZES`: 100vw − 2rem) of phones up to 390 px at density 3
/// (358 × 3 = 1074), which 960 did not (it sent them 1600, 668 KB for the
/// demo's news page against 344 KB); a desktop at density 2 takes 1600.
pub(crate) const WIDTHS: [u32; 3] = [480, 1080, 1600];

/// JPEG quality of the variants (Hugo's and Zola's default too): with 4:2:0
/// chroma it gives the luma PSNR of the `image` crate's 4:4:4 encoder at
/// 18% fewer bytes (README, “图片”).
pub(crate) const JPEG_QUALITY: u8 = 75;

/// WebP quality of the photo variants beside the JPEGs (cwebp's default).
pub(crate) const WEBP_QUALITY: f32 = 75.0;

/// How wide an image in an article is shown: the column of the default
/// theme (full width less its padding on phones, 46rem on larger screens).
pub(crate) const SIZES: &str = "(max-width: 48rem) calc(100vw - 2rem), 46rem";

/// Changes whenever processing would produce other bytes for the same
/// source (an encoder or resizer upgrade, other settings): part of every
/// cache key. `tests` check it against Cargo.lock.
pub(crate) const ENCODER_VERSION: &str = "dangjian-images-2;image-0.25.10;jpeg-encoder-0.7.1;fast_image_resize-6.1.0;png-0.18;libwebp-sys-0.14.4";

/// One resized copy of an image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub(crate) struct Variant {
    /// Output path, `/`-separated (`news/a/photo-1080.jpg`).
    pub(crate) path: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// The extension of the variants of an image: JPEG for photos, PNG for
/// PNGs (screenshots, drawings) and transparent WebPs.
pub(crate) fn variant_ext(p: &Probe) -> &'static str {
    match p.format {
        Format::Png => "png",
        Format::Webp if p.alpha => "png",
        _ => "jpg",
    }
}

/// The variants of the image whose original would be published at `out`
/// (`news/a/IMG_1.JPG`), smallest first: one per width of [`WIDTHS`] below
/// its own, and one at its own width capped at the largest
/// (`news/a/IMG_1-480.jpg`, `…-1080.jpg`, `…-1600.jpg`). Heights keep the
/// shape of the image as shown (orientation applied).
pub(crate) fn variants(out: &str, probe: &Probe) -> Vec<Variant> {
    let (w, h) = probe.display_size();
    let top = w.min(WIDTHS[WIDTHS.len() - 1]).max(1);
    let stem = match out.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => out,
    };
    let ext = variant_ext(probe);
    WIDTHS
        .iter()
        .copied()
        .filter(|&x| x < top)
        .chain([top])
        .map(|vw| Variant {
            path: format!("{stem}-{vw}.{ext}"),
            width: vw,
            height: scaled(h, w, vw),
        })
        .collect()
}

/// The WebP twins of a photo's JPEG variants (same widths, `.webp`), for
/// `<picture>`: browsers that read WebP take them, others the JPEGs.
/// None for PNG variants (drawings and screenshots stay lossless).
pub(crate) fn webp_variants(out: &str, probe: &Probe) -> Vec<Variant> {
    if variant_ext(probe) != "jpg" {
        return Vec::new();
    }
    variants(out, probe)
        .into_iter()
        .map(|v| Variant {
            path: format!("{}.webp", v.path.strip_suffix(".jpg").unwrap_or(&v.path)),
            ..v
        })
        .collect()
}

/// `h` scaled by `to / from`, rounded, at least 1.
fn scaled(h: u32, from: u32, to: u32) -> u32 {
    ((u64::from(h) * u64::from(to) + u64::from(from) / 2) / u64::from(from.max(1))).max(1) as u32
}

/// What a page needs to show an image: `src` (the middle variant, for
/// browsers without `srcset`), `srcset`, the largest variant's URL and
/// its size (for `width` and `height`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Responsive {
    pub(crate) src: String,
    pub(crate) srcset: String,
    /// The same widths as WebP (`<source type="image/webp">`); empty for
    /// images whose variants are PNG.
    pub(crate) webp_srcset: String,
    pub(crate) largest: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// [`Responsive`] for the image published at `out`, with URLs under `base`.
pub(crate) fn responsive(out: &str, probe: &Probe, base: &str) -> Responsive {
    let vs = variants(out, probe);
    let url = |v: &Variant| format!("{base}{}", crate::urlpath::encode_path(&v.path));
    let middle = vs
        .iter()
        .rev()
        .find(|v| v.width <= WIDTHS[1])
        .unwrap_or(&vs[0]);
    let last = &vs[vs.len() - 1];
    let srcset = |vs: &[Variant]| {
        (vs.iter().map(|v| format!("{} {}w", url(v), v.width)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Responsive {
        src: url(middle),
        srcset: srcset(&vs),
        webp_srcset: srcset(&webp_variants(out, probe)),
        largest: url(last),
        width: last.width,
        height: last.height,
    }
}

/// A published image used by an item: recorded by the model, so that this
/// stage knows what to publish and whom to name when a file is broken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ImageUse {
    /// The image file, relative to the site root.
    pub(crate) source: PathBuf,
    /// Where its original would be published (`news/a/photo.jpg`).
    pub(crate) out: String,
    /// Publish the original too (stripped): `keep_original`, attachments.
    pub(crate) keep: bool,
    /// Its header, as the content walk read it.
    pub(crate) probe: Probe,
    /// The file that uses it, the field and line (for errors).
    pub(crate) user: PathBuf,
    pub(crate) field: String,
    pub(crate) line: Option<usize>,
}

/// The message and hint for an image file whose header shows a problem.
pub(crate) fn problem_message(p: &Probe, written: &str) -> (String, String) {
    use probe::Problem;
    match (p.problem, p.format) {
        (Some(Problem::Unsupported), Format::Heic) => (
            format!("“{written}” 是 HEIC 格式的照片（苹果手机默认格式），网页无法显示"),
            "请转换为 JPEG：在 iPhone 上把“设置 → 相机 → 格式”改为“兼容性最佳”后重拍，或用“照片”App 导出为 JPEG，或在电脑上用“预览”/画图另存为 JPEG".into(),
        ),
        (Some(Problem::Unsupported), f) => (
            format!("“{written}” 是 {} 格式的图片，不能直接发布", f.label()),
            "请用画图、预览或手机相册另存为 JPEG（照片）或 PNG（截图、图表）后再引用".into(),
        ),
        (Some(Problem::TooLarge), _) => (
            format!(
                "图片 “{written}” 有 {} × {} 像素，超过 {} 万像素的上限",
                p.width,
                p.height,
                probe::MAX_PIXELS / 10_000
            ),
            "这么大的图片会耗尽内存（也可能是伪造的图片）；请先缩小到 1 亿像素以内，例如 8000 × 6000".into(),
        ),
        (Some(Problem::Truncated), _) => (
            format!("图片 “{written}” 不完整，文件在中途被截断"),
            "文件可能没有复制或上传完；请从手机或相机重新复制原图".into(),
        ),
        _ => (
            format!("“{written}” 不是图片文件（文件内容是{}）", p.format.label()),
            "检查是否选错了文件，或把其他文件改了扩展名；请换成 JPEG 或 PNG 图片".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(w: u32, h: u32, orientation: u8) -> Probe {
        Probe {
            format: Format::Jpeg,
            width: w,
            height: h,
            orientation,
            alpha: false,
            problem: None,
        }
    }

    #[test]
    fn variants_never_upscale_and_keep_the_shape() {
        let v = variants("news/a/IMG_1.JPG", &photo(4000, 3000, 6));
        let got: Vec<_> = v
            .iter()
            .map(|v| (v.path.as_str(), v.width, v.height))
            .collect();
        assert_eq!(
            got,
            [
                ("news/a/IMG_1-480.jpg", 480, 640),
                ("news/a/IMG_1-1080.jpg", 1080, 1440),
                ("news/a/IMG_1-1600.jpg", 1600, 2133),
            ]
        );
        let small = variants("x/logo.png", &photo(300, 100, 1));
        assert_eq!(small.len(), 1);
        assert_eq!((small[0].width, small[0].height), (300, 100));
        let r = responsive("news/a/p.jpg", &photo(1200, 900, 1), "/dj/");
        assert_eq!(r.src, "/dj/news/a/p-1080.jpg");
        assert_eq!(
            r.srcset,
            "/dj/news/a/p-480.jpg 480w, /dj/news/a/p-1080.jpg 1080w, /dj/news/a/p-1200.jpg 1200w"
        );
        assert_eq!(
            r.webp_srcset,
            "/dj/news/a/p-480.webp 480w, /dj/news/a/p-1080.webp 1080w, /dj/news/a/p-1200.webp 1200w"
        );
        assert_eq!((r.width, r.height), (1200, 900));
        let png = Probe {
            format: Format::Png,
            ..photo(300, 100, 1)
        };
        assert!(responsive("x/logo.png", &png, "/").webp_srcset.is_empty());
    }

    #[test]
    fn encoder_version_names_the_locked_crates() {
        let lock = include_str!("../../Cargo.lock");
        for (name, version) in [
            ("image", "0.25.10"),
            ("jpeg-encoder", "0.7.1"),
            ("fast_image_resize", "6.1.0"),
            ("libwebp-sys", "0.14.4"),
        ] {
            assert!(
                lock.contains(&format!("name = \"{name}\"\nversion = \"{version}\"")),
                "{name} is not at {version}: update ENCODER_VERSION"
            );
            assert!(ENCODER_VERSION.contains(&format!("{name}-{version}")));
        }
    }
}
