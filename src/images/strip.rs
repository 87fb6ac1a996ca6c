//! Metadata out of image files without touching their pixels: what
//! `keep_original: true` publishes, and the check that no published image
//! carries personal metadata (GPS position, camera, time, author, comments).
//!
//! Kept: what a browser needs to draw the picture as taken (JPEG frame and
//! tables, the JFIF and Adobe colour segments, ICC colour profiles; PNG
//! palette, transparency and colour chunks; WebP frames and ICC). Dropped:
//! EXIF (rewritten to the orientation alone when the picture needs it),
//! XMP, IPTC, comments, maker segments, text chunks, and anything appended
//! after the image (Samsung trailers, motion-photo videos).

/// Why a file could not be stripped: its structure ends early or is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StripError {
    #[error("文件不完整")]
    Truncated,
    #[error("文件结构损坏")]
    Corrupt,
}

/// An EXIF block (TIFF structure) holding only the orientation tag.
pub(crate) fn orientation_exif(orientation: u8) -> Vec<u8> {
    let mut t = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0".to_vec();
    t.push(orientation);
    t.extend([0, 0, 0, 0, 0, 0]);
    t
}

/// Whether a TIFF structure holds anything but the orientation tag.
fn exif_is_personal(t: &[u8]) -> bool {
    let le = match t.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return true,
    };
    let rd16 = |i: usize| {
        t.get(i..i + 2).map(|b| {
            if le {
                u16::from_le_bytes([b[0], b[1]])
            } else {
                u16::from_be_bytes([b[0], b[1]])
            }
        })
    };
    let Some(ifd) = t.get(4..8).map(|b| {
        let a = [b[0], b[1], b[2], b[3]];
        (if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }) as usize
    }) else {
        return true;
    };
    let Some(count) = rd16(ifd) else { return true };
    (0..count as usize).any(|i| rd16(ifd + 2 + i * 12) != Some(0x0112))
        || t.get(ifd + 2 + count as usize * 12..ifd + 6 + count as usize * 12) != Some(&[0; 4])
}

/// The personal metadata an encoded image still carries, by name (empty
/// when none): the privacy guard run on every published image.
pub(crate) fn personal_metadata(bytes: &[u8]) -> Vec<String> {
    match super::probe::sniff(bytes) {
        super::probe::Format::Jpeg => jpeg_metadata(bytes),
        super::probe::Format::Png => png_chunks(bytes)
            .into_iter()
            .filter_map(|(kind, data)| match kind {
                b"eXIf" if exif_is_personal(data) => Some("EXIF".to_string()),
                b"eXIf" => None,
                k if PNG_KEEP.contains(&k) => None,
                k => Some(format!("PNG {}", String::from_utf8_lossy(k))),
            })
            .collect(),
        super::probe::Format::Webp => riff_chunks(bytes)
            .into_iter()
            .filter_map(|(kind, data)| match kind {
                b"EXIF" if exif_is_personal(data.strip_prefix(b"Exif\0\0").unwrap_or(data)) => {
                    Some("EXIF".to_string())
                }
                b"EXIF" => None,
                k if WEBP_KEEP.contains(&k) => None,
                k => Some(format!("WebP {}", String::from_utf8_lossy(k))),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One JPEG segment: its marker and its bytes (marker and length included).
struct Segment<'a> {
    marker: u8,
    bytes: &'a [u8],
}

/// Whether a JPEG segment is kept when stripping.
fn jpeg_keeps(s: &Segment<'_>) -> bool {
    let body = s.bytes.get(4..).unwrap_or_default();
    match s.marker {
        0xE0 => true,
        0xE2 => body.starts_with(b"ICC_PROFILE\0"),
        0xEE => body.starts_with(b"Adobe"),
        0xE1..=0xEF | 0xFE => false,
        _ => true,
    }
}

/// Walks a JPEG: segments with their bytes, entropy-coded data as marker
/// 0 with its bytes, up to and including EOI. Returns where EOI ends.
fn jpeg_walk<'a>(b: &'a [u8], mut each: impl FnMut(Segment<'a>)) -> Result<usize, StripError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(StripError::Corrupt);
    }
    let mut pos = 2;
    loop {
        if pos + 2 > b.len() {
            return Err(StripError::Truncated);
        }
        if b[pos] != 0xFF {
            return Err(StripError::Corrupt);
        }
        let marker = b[pos + 1];
        match marker {
            0xFF => pos += 1,
            0xD9 => {
                each(Segment {
                    marker,
                    bytes: &b[pos..pos + 2],
                });
                return Ok(pos + 2);
            }
            0x01 | 0xD0..=0xD7 => {
                each(Segment {
                    marker,
                    bytes: &b[pos..pos + 2],
                });
                pos += 2;
            }
            _ => {
                let len = b
                    .get(pos + 2..pos + 4)
                    .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
                    .ok_or(StripError::Truncated)?;
                let end = pos + 2 + len;
                if len < 2 || end > b.len() {
                    return Err(StripError::Truncated);
                }
                each(Segment {
                    marker,
                    bytes: &b[pos..end],
                });
                pos = end;
                if marker == 0xDA {
                    let data_end = entropy_end(b, pos)?;
                    each(Segment {
                        marker: 0,
                        bytes: &b[pos..data_end],
                    });
                    pos = data_end;
                }
            }
        }
    }
}

/// Where the entropy-coded data starting at `from` ends: at the first
/// marker that is neither a stuffed byte nor a restart marker.
fn entropy_end(b: &[u8], from: usize) -> Result<usize, StripError> {
    let mut i = from;
    while i + 1 < b.len() {
        if b[i] == 0xFF {
            match b[i + 1] {
                0x00 | 0xD0..=0xD7 | 0xFF => i += if b[i + 1] == 0xFF { 1 } else { 2 },
                _ => return Ok(i),
            }
        } else {
            i += 1;
        }
    }
    Err(StripError::Truncated)
}

/// Whether the JPEG is complete: its image data ends with EOI. (Decoders
/// fill a cut-off photo with grey and say nothing.)
pub(crate) fn jpeg_complete(b: &[u8]) -> Result<(), StripError> {
    jpeg_walk(b, |_| {}).map(|_| ())
}

fn jpeg_metadata(b: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let end = jpeg_walk(b, |s| {
        if s.marker == 0xE1 && s.bytes.get(4..10) == Some(b"Exif\0\0") {
            if exif_is_personal(&s.bytes[10..]) {
                found.push("EXIF".to_string());
            }
        } else if !jpeg_keeps(&s) {
            found.push(match s.marker {
                0xE1 => "XMP".to_string(),
                0xED => "IPTC".to_string(),
                0xFE => "注释".to_string(),
                m => format!("APP{}", m - 0xE0),
            });
        }
    });
    match end {
        Ok(end) if end < b.len() => found.push("文件尾附加数据".to_string()),
        Ok(_) => {}
        Err(_) => found.push("无法读取的结构".to_string()),
    }
    found
}

fn strip_jpeg(b: &[u8], orientation: u8) -> Result<Vec<u8>, StripError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend([0xFF, 0xD8]);
    let mut exif_done = orientation == 1;
    let add_exif = |out: &mut Vec<u8>| {
        let mut body = b"Exif\0\0".to_vec();
        body.extend(orientation_exif(orientation));
        out.extend([0xFF, 0xE1]);
        out.extend(((body.len() + 2) as u16).to_be_bytes());
        out.extend(body);
    };
    jpeg_walk(b, |s| {
        if !exif_done && s.marker != 0xE0 {
            add_exif(&mut out);
            exif_done = true;
        }
        if jpeg_keeps(&s) {
            out.extend_from_slice(s.bytes);
        }
    })?;
    Ok(out)
}

/// PNG chunks kept when stripping: what drawing needs, and colour.
const PNG_KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"cLLI",
];

/// PNG chunks: type and data, up to IEND (an empty list when the
/// structure is broken).
fn png_chunks(b: &[u8]) -> Vec<(&[u8; 4], &[u8])> {
    png_walk(b).map(|(c, _)| c).unwrap_or_default()
}

type Chunks<'a> = Vec<(&'a [u8; 4], &'a [u8])>;

fn png_walk(b: &[u8]) -> Result<(Chunks<'_>, Vec<(usize, usize)>), StripError> {
    let mut pos = 8;
    let (mut chunks, mut spans) = (Vec::new(), Vec::new());
    loop {
        let head = b.get(pos..pos + 8).ok_or(StripError::Truncated)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: &[u8; 4] = head[4..8].try_into().map_err(|_| StripError::Corrupt)?;
        let end = pos + 12 + len;
        let data = b.get(pos + 8..pos + 8 + len).ok_or(StripError::Truncated)?;
        if end > b.len() {
            return Err(StripError::Truncated);
        }
        chunks.push((kind, data));
        spans.push((pos, end));
        pos = end;
        if kind == b"IEND" {
            return Ok((chunks, spans));
        }
    }
}

/// The CRC-32 of PNG chunks (bitwise: only tiny chunks are written).
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn strip_png(b: &[u8], orientation: u8) -> Result<Vec<u8>, StripError> {
    let (chunks, spans) = png_walk(b)?;
    let mut out = b[..8].to_vec();
    for ((kind, _), (start, end)) in chunks.iter().zip(spans) {
        if PNG_KEEP.contains(kind) {
            out.extend_from_slice(&b[start..end]);
        }
        if *kind == b"IHDR" && orientation != 1 {
            let exif = orientation_exif(orientation);
            out.extend((exif.len() as u32).to_be_bytes());
            out.extend(b"eXIf");
            out.extend(&exif);
            out.extend(crc32(&[b"eXIf", &exif]).to_be_bytes());
        }
    }
    Ok(out)
}

/// WebP chunks kept when stripping.
const WEBP_KEEP: &[&[u8; 4]] = &[
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

fn riff_chunks(b: &[u8]) -> Vec<(&[u8; 4], &[u8])> {
    riff_walk(b).unwrap_or_default()
}

fn riff_walk(b: &[u8]) -> Result<Chunks<'_>, StripError> {
    let mut pos = 12;
    let mut chunks = Vec::new();
    while pos < b.len() {
        let head = b.get(pos..pos + 8).ok_or(StripError::Truncated)?;
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let kind: &[u8; 4] = head[..4].try_into().map_err(|_| StripError::Corrupt)?;
        let data = b.get(pos + 8..pos + 8 + len).ok_or(StripError::Truncated)?;
        chunks.push((kind, data));
        pos += 8 + len + (len & 1);
    }
    Ok(chunks)
}

fn strip_webp(b: &[u8], orientation: u8) -> Result<Vec<u8>, StripError> {
    let chunks = riff_walk(b)?;
    let extended = chunks.iter().any(|(k, _)| *k == b"VP8X");
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let put = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend(kind);
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        if data.len() & 1 == 1 {
            out.push(0);
        }
    };
    let exif = (extended && orientation != 1).then(|| orientation_exif(orientation));
    for (kind, data) in &chunks {
        if *kind == b"VP8X" {
            let mut d = data.to_vec();
            if let Some(flags) = d.first_mut() {
                // EXIF (0x08) only when written below; XMP (0x04) never.
                *flags &= !0x0C;
                if exif.is_some() {
                    *flags |= 0x08;
                }
            }
            put(&mut out, &kind[..], &d);
        } else if WEBP_KEEP.contains(kind) {
            put(&mut out, &kind[..], data);
        }
    }
    if let Some(exif) = exif {
        put(&mut out, b"EXIF", &exif);
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

/// The file with its metadata removed and its pixels untouched; an
/// orientation other than upright is kept as a one-tag EXIF block.
pub(crate) fn strip(bytes: &[u8], orientation: u8) -> Result<Vec<u8>, StripError> {
    match super::probe::sniff(bytes) {
        super::probe::Format::Jpeg => strip_jpeg(bytes, orientation),
        super::probe::Format::Png => strip_png(bytes, orientation),
        super::probe::Format::Webp => strip_webp(bytes, orientation),
        _ => Err(StripError::Corrupt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend(((body.len() + 2) as u16).to_be_bytes());
        s.extend(body);
        s
    }

    /// A JPEG skeleton: SOI, the given segments, a frame, one scan, EOI.
    fn jpeg(segments: &[Vec<u8>], tail: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        segments.iter().for_each(|s| j.extend(s));
        j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]);
        j.extend(tail);
        j
    }

    #[test]
    fn jpeg_metadata_is_found_and_removed() {
        let mut gps = b"Exif\0\0".to_vec();
        gps.extend(b"MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0");
        let src = jpeg(
            &[
                segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
                segment(0xE1, &gps),
                segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
                segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"),
                segment(0xFE, b"Zhang San's phone"),
            ],
            b"MotionPhoto_Data",
        );
        let found = personal_metadata(&src);
        assert_eq!(found, ["EXIF", "XMP", "注释", "文件尾附加数据"]);
        let clean = strip(&src, 1).unwrap();
        assert!(personal_metadata(&clean).is_empty());
        assert!(clean.windows(11).any(|w| w == b"ICC_PROFILE"));
        assert!(!clean.windows(5).any(|w| w == b"Zhang"));
        let rotated = strip(&src, 6).unwrap();
        assert!(personal_metadata(&rotated).is_empty());
        let p = super::super::probe::probe(&mut std::io::Cursor::new(&rotated)).unwrap();
        assert_eq!(p.orientation, 6);
    }

    #[test]
    fn truncated_jpeg_is_refused() {
        let src = jpeg(&[], b"");
        assert!(jpeg_complete(&src).is_ok());
        assert_eq!(
            jpeg_complete(&src[..src.len() - 3]),
            Err(StripError::Truncated)
        );
    }

    #[test]
    fn png_text_chunks_are_removed() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend(kind);
            c.extend(data);
            c.extend(crc32(&[kind, data]).to_be_bytes());
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
        png.extend(chunk(b"tEXt", b"Author\0Zhang San"));
        png.extend(chunk(b"IDAT", b"xx"));
        png.extend(chunk(b"IEND", b""));
        assert_eq!(personal_metadata(&png), ["PNG tEXt"]);
        let clean = strip(&png, 1).unwrap();
        assert!(personal_metadata(&clean).is_empty());
        assert_eq!(clean.len(), png.len() - 12 - 16);
        assert_eq!(strip(&png[..png.len() - 5], 1), Err(StripError::Truncated));
    }
}
