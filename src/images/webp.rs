//! Lossy WebP encoding through libwebp, the reference encoder (the `image`
//! crate writes lossless WebP only, several times the size of a JPEG).
//! One safe function around `WebPEncodeRGB`.

/// Encodes `rgb` (`width × height` pixels, 3 bytes each, rows packed) as
/// a lossy WebP at `quality` (0–100), with no metadata chunks.
pub(crate) fn encode_rgb(
    rgb: &[u8],
    width: u32,
    height: u32,
    quality: f32,
) -> Result<Vec<u8>, String> {
    let too_big = || format!("{width}×{height} 超出 WebP 的尺寸上限");
    let w = i32::try_from(width).map_err(|_| too_big())?;
    let h = i32::try_from(height).map_err(|_| too_big())?;
    let stride = w.checked_mul(3).ok_or_else(too_big)?;
    if width == 0 || height == 0 || width > 16383 || height > 16383 {
        return Err(too_big());
    }
    if rgb.len() != stride as usize * height as usize {
        return Err(format!(
            "像素数据长度 {} 与尺寸 {width}×{height} 不符",
            rgb.len()
        ));
    }
    let mut out: *mut u8 = std::ptr::null_mut();
    // SAFETY: `rgb` holds `height` rows of `stride` bytes (checked above)
    // and outlives the call; libwebp allocates the output, stores its
    // address in `out` and returns its length (0 on failure).
    let len = unsafe { libwebp_sys::WebPEncodeRGB(rgb.as_ptr(), w, h, stride, quality, &mut out) };
    if len == 0 || out.is_null() {
        return Err("libwebp 编码失败".into());
    }
    // SAFETY: `out` points to `len` initialized bytes that libwebp
    // allocated; they are copied before being freed, once, with WebPFree.
    let bytes = unsafe { std::slice::from_raw_parts(out, len) }.to_vec();
    unsafe { libwebp_sys::WebPFree(out.cast()) };
    Ok(bytes)
}

/// The libwebp encoder's version, as `major.minor.revision`.
#[cfg(test)]
fn version() -> String {
    // SAFETY: a pure function of the library, no arguments.
    let v = unsafe { libwebp_sys::WebPGetEncoderVersion() };
    format!("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_decodable_lossy_webp() {
        let rgb: Vec<u8> = (0..64 * 32)
            .flat_map(|i| [(i % 256) as u8, 80, 160])
            .collect();
        let out = encode_rgb(&rgb, 64, 32, 75.0).unwrap();
        assert_eq!(&out[..4], b"RIFF");
        assert_eq!(&out[8..16], b"WEBPVP8 ");
        let img = image::load_from_memory_with_format(&out, image::ImageFormat::WebP).unwrap();
        assert_eq!((img.width(), img.height()), (64, 32));
        assert!(crate::images::strip::personal_metadata(&out).is_empty());
        assert!(encode_rgb(&rgb, 64, 31, 75.0).is_err());
    }

    #[test]
    fn names_the_vendored_library() {
        assert_eq!(version(), "1.6.0");
    }
}
