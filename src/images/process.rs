//! Making the files of one source image: decoded once (with a pixel
//! limit), turned upright by its EXIF orientation, resized from large to
//! small with a Lanczos filter (fast_image_resize), and encoded as JPEG
//! (4:2:0, no metadata) or PNG, and photos as WebP too; or stripped of
//! metadata losslessly.

use std::io::Cursor;

use fast_image_resize as fr;
use image::{DynamicImage, ImageFormat, metadata::Orientation};

use super::probe::{Format, MAX_PIXELS, Probe};

/// What to make of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Recipe {
    /// Upright, resized to this width, re-encoded (JPEG or PNG).
    Resize(u32),
    /// Upright, resized to this width, encoded as lossy WebP.
    Webp(u32),
    /// The original bytes without metadata.
    Strip,
}

impl Recipe {
    /// Its part of the cache key (settings included).
    pub(crate) fn key(&self, p: &Probe) -> String {
        match self {
            Recipe::Resize(w) => format!(
                "resize;w={w};q={};ext={};sizes=lanczos3",
                super::JPEG_QUALITY,
                super::variant_ext(p)
            ),
            Recipe::Webp(w) => format!("webp;w={w};q={};sizes=lanczos3", super::WEBP_QUALITY),
            Recipe::Strip => "strip".into(),
        }
    }

    pub(crate) fn ext(&self, p: &Probe, source_ext: &str) -> String {
        match self {
            Recipe::Resize(_) => super::variant_ext(p).into(),
            Recipe::Webp(_) => "webp".into(),
            Recipe::Strip => source_ext.to_ascii_lowercase(),
        }
    }
}

/// Why a source could not be processed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProcessError {
    #[error("图片文件不完整，在中途被截断")]
    Truncated,
    #[error("图片无法解码（{0}）")]
    Decode(String),
    #[error("编码失败（{0}）")]
    Encode(String),
    /// The privacy check found metadata in a file about to be published:
    /// a bug, never published.
    #[error("处理后的图片仍含有元数据（{0}）")]
    Metadata(String),
}

/// Makes every recipe of `recipes` from the source `bytes`, in order.
pub(crate) fn make(
    bytes: &[u8],
    probe: &Probe,
    recipes: &[Recipe],
) -> Result<Vec<Vec<u8>>, ProcessError> {
    if probe.format == Format::Jpeg {
        super::strip::jpeg_complete(bytes).map_err(|_| ProcessError::Truncated)?;
    }
    let mut widths: Vec<u32> = recipes
        .iter()
        .filter_map(|r| match r {
            Recipe::Resize(w) | Recipe::Webp(w) => Some(*w),
            Recipe::Strip => None,
        })
        .collect();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    // Each width is made once from the next larger one, then encoded as
    // each recipe asks.
    let mut encoded: Vec<(Recipe, Vec<u8>)> = Vec::new();
    if !widths.is_empty() {
        let mut current = decode(bytes, probe)?;
        for w in widths {
            current = resize(&current, w)?;
            if recipes.contains(&Recipe::Resize(w)) {
                encoded.push((Recipe::Resize(w), encode(&current, probe)?));
            }
            if recipes.contains(&Recipe::Webp(w)) {
                encoded.push((Recipe::Webp(w), encode_webp(&current)?));
            }
        }
    }
    recipes
        .iter()
        .map(|r| {
            let out = match r {
                Recipe::Resize(_) | Recipe::Webp(_) => (encoded.iter())
                    .find(|(x, _)| x == r)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default(),
                Recipe::Strip => {
                    super::strip::strip(bytes, probe.orientation).map_err(|e| match e {
                        super::strip::StripError::Truncated => ProcessError::Truncated,
                        e => ProcessError::Decode(e.to_string()),
                    })?
                }
            };
            // The privacy guard: nothing leaves with personal metadata.
            let found = super::strip::personal_metadata(&out);
            if !found.is_empty() {
                return Err(ProcessError::Metadata(found.join("、")));
            }
            Ok(out)
        })
        .collect()
}

/// Decodes within the pixel limit and applies the orientation.
fn decode(bytes: &[u8], probe: &Probe) -> Result<DynamicImage, ProcessError> {
    let format = match probe.format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        f => return Err(ProcessError::Decode(f.label().into())),
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    // The header was checked against the limit; a decoder that finds
    // more pixels than it declared still stops here.
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    let mut image = reader.decode().map_err(|e| match e {
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ProcessError::Truncated
        }
        e => ProcessError::Decode(e.to_string()),
    })?;
    if let Some(o) = Orientation::from_exif(probe.orientation) {
        image.apply_orientation(o);
    }
    Ok(match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        i if i.color().has_alpha() && super::variant_ext(probe) == "png" => {
            DynamicImage::ImageRgba8(i.to_rgba8())
        }
        i => DynamicImage::ImageRgb8(i.to_rgb8()),
    })
}

/// Resizes to width `w` (height to scale); the same image when it is that wide.
fn resize(img: &DynamicImage, w: u32) -> Result<DynamicImage, ProcessError> {
    if img.width() == w {
        return Ok(img.clone());
    }
    let h = super::scaled(img.height(), img.width(), w);
    let (pixel, data) = match img {
        DynamicImage::ImageRgba8(i) => (fr::PixelType::U8x4, i.as_raw().clone()),
        DynamicImage::ImageRgb8(i) => (fr::PixelType::U8x3, i.as_raw().clone()),
        other => (fr::PixelType::U8x3, other.to_rgb8().into_raw()),
    };
    let err = |e: &dyn std::fmt::Display| ProcessError::Encode(e.to_string());
    let src = fr::images::Image::from_vec_u8(img.width(), img.height(), data, pixel)
        .map_err(|e| err(&e))?;
    let mut dst = fr::images::Image::new(w, h, pixel);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| err(&e))?;
    let raw = dst.into_vec();
    Ok(if pixel == fr::PixelType::U8x4 {
        DynamicImage::ImageRgba8(image::RgbaImage::from_raw(w, h, raw).ok_or_else(|| err(&"RGBA"))?)
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, raw).ok_or_else(|| err(&"RGB"))?)
    })
}

fn encode(img: &DynamicImage, probe: &Probe) -> Result<Vec<u8>, ProcessError> {
    let mut out = Vec::new();
    let err = |e: &dyn std::fmt::Display| ProcessError::Encode(e.to_string());
    if super::variant_ext(probe) == "png" {
        use image::ImageEncoder;
        let enc = image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        );
        enc.write_image(
            img.as_bytes(),
            img.width(),
            img.height(),
            img.color().into(),
        )
        .map_err(|e| err(&e))?;
        return Ok(out);
    }
    let rgb = match img {
        DynamicImage::ImageRgb8(i) => std::borrow::Cow::Borrowed(i),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    };
    let (w, h) = (
        u16::try_from(rgb.width()).map_err(|e| err(&e))?,
        u16::try_from(rgb.height()).map_err(|e| err(&e))?,
    );
    let mut enc = jpeg_encoder::Encoder::new(&mut out, super::JPEG_QUALITY);
    // 4:2:0 as phones and libjpeg do; standard Huffman tables, which
    // every decoder reads (optimized ones save 8% but one Rust decoder
    // misread them).
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(rgb.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| err(&e))?;
    Ok(out)
}

fn encode_webp(img: &DynamicImage) -> Result<Vec<u8>, ProcessError> {
    let rgb = match img {
        DynamicImage::ImageRgb8(i) => std::borrow::Cow::Borrowed(i),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    };
    super::webp::encode_rgb(rgb.as_raw(), rgb.width(), rgb.height(), super::WEBP_QUALITY)
        .map_err(ProcessError::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40 × 20 JPEG, left half red and right half blue.
    fn two_colours() -> Vec<u8> {
        let img = image::RgbImage::from_fn(40, 20, |x, _| {
            if x < 20 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut out = Vec::new();
        let enc = jpeg_encoder::Encoder::new(&mut out, 90);
        enc.encode(img.as_raw(), 40, 20, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    #[test]
    fn rotates_resizes_and_reencodes() {
        let src = two_colours();
        let probe = Probe {
            format: Format::Jpeg,
            width: 40,
            height: 20,
            orientation: 6,
            alpha: false,
            problem: None,
        };
        let recipes = [Recipe::Resize(10), Recipe::Strip, Recipe::Webp(10)];
        let out = make(&src, &probe, &recipes).unwrap();
        for small in [&out[0], &out[2]] {
            let small = image::load_from_memory(small).unwrap().to_rgb8();
            // Rotated 90° clockwise: 20 wide, 40 high, red on top.
            assert_eq!((small.width(), small.height()), (10, 20));
            assert!(small.get_pixel(5, 2)[0] > 200 && small.get_pixel(5, 17)[2] > 200);
        }
        assert_eq!(&out[2][8..12], b"WEBP");
        assert!(super::super::strip::personal_metadata(&out[1]).is_empty());
    }

    #[test]
    fn truncated_jpeg_is_an_error() {
        let src = two_colours();
        let probe = Probe {
            format: Format::Jpeg,
            width: 40,
            height: 20,
            orientation: 1,
            alpha: false,
            problem: None,
        };
        let cut = &src[..src.len() * 2 / 3];
        assert!(matches!(
            make(cut, &probe, &[Recipe::Resize(10)]),
            Err(ProcessError::Truncated)
        ));
    }
}
