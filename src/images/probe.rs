//! An image file's header read without decoding it: the format (by its
//! bytes, not its name), the stored pixel size, the EXIF orientation, and
//! what would stop it from being published (not an image, HEIC, too many
//! pixels). The content walk calls this once per image file; it reads a
//! few kilobytes, never the pixels.

use std::io::{self, Read, Seek, SeekFrom};

/// Images above this many pixels are refused before decoding: a small file
/// can declare 20,000 × 20,000 pixels and take gigabytes to decode (a
/// decompression bomb). 100 million pixels is above every phone's normal
/// modes (a 50 MP sensor gives 8160 × 6120) and takes 300 MB decoded.
pub(crate) const MAX_PIXELS: u64 = 100_000_000;

/// What a file's bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
    Bmp,
    Tiff,
    Heic,
    Avif,
    /// Not any image format we know.
    Other,
}

impl Format {
    /// How editors know the format.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Webp => "WebP",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::Heic => "HEIC",
            Format::Avif => "AVIF",
            Format::Other => "未知格式",
        }
    }
}

/// Why an image file cannot be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Problem {
    /// Its bytes are not an image (a document or a text renamed `.jpg`).
    NotImage,
    /// Its header ends early: the file was cut off while copying or uploading.
    Truncated,
    /// An image format browsers or dangjian cannot take (HEIC, TIFF…).
    Unsupported,
    /// More pixels than [`MAX_PIXELS`].
    TooLarge,
}

/// What the header of an image file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Probe {
    pub(crate) format: Format,
    /// Pixel size as stored (before the orientation is applied).
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// EXIF orientation, 1 (upright) to 8; 1 when absent.
    pub(crate) orientation: u8,
    /// Whether it may have transparent pixels (PNG or WebP with alpha).
    pub(crate) alpha: bool,
    pub(crate) problem: Option<Problem>,
}

impl Probe {
    fn problem(format: Format, problem: Problem) -> Probe {
        Probe {
            format,
            width: 0,
            height: 0,
            orientation: 1,
            alpha: false,
            problem: Some(problem),
        }
    }

    /// Pixel size as shown: width and height swap for orientations 5 to 8
    /// (a portrait photo stored sideways by the phone's landscape sensor).
    pub(crate) fn display_size(&self) -> (u32, u32) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// Whether the build re-encodes it (resized, oriented, without metadata).
    pub(crate) fn is_processed(&self) -> bool {
        self.problem.is_none() && matches!(self.format, Format::Jpeg | Format::Png | Format::Webp)
    }
}

/// File extensions of raster images: these files are probed, and the
/// published ones processed.
pub(crate) fn is_raster_name(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "jpg"
                | "jpeg"
                | "jpe"
                | "jfif"
                | "png"
                | "webp"
                | "gif"
                | "bmp"
                | "tif"
                | "tiff"
                | "heic"
                | "heif"
                | "hif"
                | "avif"
        )
    })
}

/// What the content walk records of the file at `path` (`rel` relative to
/// the site root): the size as shown, and for raster images the probe.
/// `image` says whether the name is an image type whose size pages show.
pub(crate) fn look(
    path: &std::path::Path,
    rel: &std::path::Path,
    image: bool,
) -> (Option<(usize, usize)>, Option<Probe>) {
    if !is_raster_name(rel) {
        let size = image
            .then(|| imagesize::size(path).ok())
            .flatten()
            .map(|d| (d.width, d.height));
        return (size, None);
    }
    let probed = std::fs::File::open(path)
        .and_then(|f| probe(&mut io::BufReader::with_capacity(16 * 1024, f)));
    match probed {
        Ok(p) if p.problem.is_none() => {
            let (w, h) = p.display_size();
            (Some((w as usize, h as usize)), Some(p))
        }
        Ok(p) => (None, Some(p)),
        // Unreadable now: the copy or the processing will say why.
        Err(_) => (
            None,
            Some(Probe::problem(Format::Other, Problem::Truncated)),
        ),
    }
}

/// Reads the header of the image in `r`.
pub(crate) fn probe<R: Read + Seek>(r: &mut R) -> io::Result<Probe> {
    let mut head = [0u8; 32];
    let n = read_up_to(r, &mut head)?;
    let head = &head[..n];
    let format = sniff(head);
    r.seek(SeekFrom::Start(0))?;
    let mut p = match format {
        Format::Jpeg => jpeg(r),
        Format::Png => png(r),
        Format::Webp => webp(r),
        Format::Gif if n >= 10 => Ok(sized(
            format,
            u16::from_le_bytes([head[6], head[7]]).into(),
            u16::from_le_bytes([head[8], head[9]]).into(),
        )),
        Format::Other => Ok(Probe::problem(format, Problem::NotImage)),
        Format::Gif => Ok(Probe::problem(format, Problem::Truncated)),
        _ => Ok(Probe::problem(format, Problem::Unsupported)),
    }?;
    if p.problem.is_none() && (p.width == 0 || p.height == 0) {
        p.problem = Some(Problem::NotImage);
    }
    if p.problem.is_none() && u64::from(p.width) * u64::from(p.height) > MAX_PIXELS {
        p.problem = Some(Problem::TooLarge);
    }
    Ok(p)
}

/// The format named by a file's first bytes.
pub(crate) fn sniff(head: &[u8]) -> Format {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Format::Webp
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Format::Gif
    } else if starts(b"BM") && head.len() >= 14 {
        Format::Bmp
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Format::Tiff
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO base media: the brands say HEIF (iPhones) or AVIF.
        let brands: Vec<&[u8]> = head[8..].chunks(4).filter(|c| c.len() == 4).collect();
        if brands.iter().any(|b| matches!(*b, b"avif" | b"avis")) {
            Format::Avif
        } else if brands.iter().any(|b| {
            matches!(
                *b,
                b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1"
            )
        }) {
            Format::Heic
        } else {
            Format::Other
        }
    } else {
        Format::Other
    }
}

fn sized(format: Format, width: u32, height: u32) -> Probe {
    Probe {
        format,
        width,
        height,
        orientation: 1,
        alpha: false,
        problem: None,
    }
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads exactly `buf.len()` bytes, or says the file ended (`Ok(false)`).
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<bool> {
    Ok(read_up_to(r, buf)? == buf.len())
}

/// The JPEG segments before the image data: the frame header gives the
/// size, an APP1 `Exif` segment the orientation.
fn jpeg<R: Read + Seek>(r: &mut R) -> io::Result<Probe> {
    let truncated = Probe::problem(Format::Jpeg, Problem::Truncated);
    r.seek(SeekFrom::Start(2))?;
    let mut orientation = 1;
    let mut size = None;
    loop {
        let mut m = [0u8; 2];
        if !read_full(r, &mut m)? {
            return Ok(truncated);
        }
        if m[0] != 0xFF {
            return Ok(Probe::problem(Format::Jpeg, Problem::NotImage));
        }
        let mut marker = m[1];
        while marker == 0xFF {
            let mut b = [0u8; 1];
            if !read_full(r, &mut b)? {
                return Ok(truncated);
            }
            marker = b[0];
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        if marker == 0xD9 {
            return Ok(truncated);
        }
        let mut len = [0u8; 2];
        if !read_full(r, &mut len)? {
            return Ok(truncated);
        }
        let len = u16::from_be_bytes(len) as usize;
        if len < 2 {
            return Ok(Probe::problem(Format::Jpeg, Problem::NotImage));
        }
        let body = len - 2;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if marker == 0xDA {
            // Image data starts: everything needed comes before it.
            return Ok(match size {
                Some((w, h)) => Probe {
                    orientation,
                    ..sized(Format::Jpeg, w, h)
                },
                None => Probe::problem(Format::Jpeg, Problem::NotImage),
            });
        }
        if is_sof || marker == 0xE1 {
            let mut data = vec![0u8; body];
            if !read_full(r, &mut data)? {
                return Ok(truncated);
            }
            if is_sof && data.len() >= 5 {
                let h = u16::from_be_bytes([data[1], data[2]]) as u32;
                let w = u16::from_be_bytes([data[3], data[4]]) as u32;
                size = Some((w, h));
            } else if let Some(tiff) = data.strip_prefix(b"Exif\0\0") {
                orientation = tiff_orientation(tiff).unwrap_or(1);
            }
        } else {
            r.seek(SeekFrom::Current(body as i64))?;
        }
    }
}

/// The orientation tag (0x0112) of IFD0 of a TIFF structure (EXIF data).
pub(crate) fn tiff_orientation(t: &[u8]) -> Option<u8> {
    let le = match t.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b = t.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b = t.get(i..i + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(500)).find_map(|i| {
        let e = ifd + 2 + i * 12;
        (u16_at(e)? == 0x0112 && u16_at(e + 2)? == 3)
            .then(|| u16_at(e + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
            .map(|o| o as u8)
    })
}

/// PNG chunks up to the image data: `IHDR` gives size and colour type,
/// `tRNS` transparency, `eXIf` the orientation.
fn png<R: Read + Seek>(r: &mut R) -> io::Result<Probe> {
    let truncated = Probe::problem(Format::Png, Problem::Truncated);
    r.seek(SeekFrom::Start(8))?;
    let mut p = None::<Probe>;
    loop {
        let mut head = [0u8; 8];
        if !read_full(r, &mut head)? {
            return Ok(truncated);
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        match kind {
            b"IHDR" | b"eXIf" if len <= 1 << 20 => {
                let mut data = vec![0u8; len];
                if !read_full(r, &mut data)? {
                    return Ok(truncated);
                }
                r.seek(SeekFrom::Current(4))?;
                if kind == b"IHDR" && len >= 10 {
                    let w = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                    let h = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                    p = Some(Probe {
                        alpha: matches!(data[9], 4 | 6),
                        ..sized(Format::Png, w, h)
                    });
                } else if let Some(p) = p.as_mut() {
                    p.orientation = tiff_orientation(&data).unwrap_or(1);
                }
            }
            b"IDAT" | b"IEND" => {
                return Ok(p.unwrap_or(Probe::problem(Format::Png, Problem::NotImage)));
            }
            _ => {
                if kind == b"tRNS"
                    && let Some(p) = p.as_mut()
                {
                    p.alpha = true;
                }
                r.seek(SeekFrom::Current(len as i64 + 4))?;
            }
        }
        if p.is_none() {
            // IHDR must come first.
            return Ok(Probe::problem(Format::Png, Problem::NotImage));
        }
    }
}

/// WebP chunks: `VP8 `, `VP8L` or `VP8X` give the size; an `EXIF` chunk
/// (anywhere in the file) the orientation.
fn webp<R: Read + Seek>(r: &mut R) -> io::Result<Probe> {
    let truncated = Probe::problem(Format::Webp, Problem::Truncated);
    r.seek(SeekFrom::Start(12))?;
    let mut p = None::<Probe>;
    loop {
        let mut head = [0u8; 8];
        if !read_full(r, &mut head)? {
            return Ok(p.unwrap_or(truncated));
        }
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let padded = len + (len & 1);
        let kind = [head[0], head[1], head[2], head[3]];
        let wanted =
            matches!(&kind, b"VP8 " | b"VP8L" | b"VP8X") || (&kind == b"EXIF" && len <= 1 << 20);
        if !wanted {
            r.seek(SeekFrom::Current(padded as i64))?;
            continue;
        }
        let mut data = vec![0u8; if &kind == b"EXIF" { len } else { len.min(30) }];
        if !read_full(r, &mut data)? {
            return Ok(truncated);
        }
        r.seek(SeekFrom::Current((padded - data.len()) as i64))?;
        let found = match &kind {
            b"VP8X" if data.len() >= 10 => {
                let w = u32::from_le_bytes([data[4], data[5], data[6], 0]) + 1;
                let h = u32::from_le_bytes([data[7], data[8], data[9], 0]) + 1;
                Some(Probe {
                    alpha: data[0] & 0x10 != 0,
                    ..sized(Format::Webp, w, h)
                })
            }
            b"VP8L" if data.len() >= 5 && data[0] == 0x2F => {
                let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
                Some(Probe {
                    alpha: bits & (1 << 28) != 0,
                    ..sized(
                        Format::Webp,
                        (bits & 0x3FFF) + 1,
                        ((bits >> 14) & 0x3FFF) + 1,
                    )
                })
            }
            b"VP8 " if data.len() >= 10 && data[3..6] == [0x9D, 0x01, 0x2A] => {
                let w = u16::from_le_bytes([data[6], data[7]]) & 0x3FFF;
                let h = u16::from_le_bytes([data[8], data[9]]) & 0x3FFF;
                Some(sized(Format::Webp, w.into(), h.into()))
            }
            b"EXIF" => {
                let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(&data);
                if let Some(p) = p.as_mut() {
                    p.orientation = tiff_orientation(tiff).unwrap_or(1);
                }
                None
            }
            _ => return Ok(Probe::problem(Format::Webp, Problem::NotImage)),
        };
        // VP8X comes first and names the canvas; the frame after it is not
        // needed, but its EXIF chunk may follow the image data.
        if p.is_none() {
            p = found;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn exif(orientation: u16) -> Vec<u8> {
        let mut t = b"MM\0*\0\0\0\x08\0\x01".to_vec();
        t.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        t.extend(orientation.to_be_bytes());
        t.extend([0, 0, 0, 0, 0, 0]);
        t
    }

    fn jpeg_header(w: u16, h: u16, orientation: u16) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(exif(orientation));
        j.extend([0xFF, 0xE1]);
        j.extend(((app1.len() + 2) as u16).to_be_bytes());
        j.extend(app1);
        j.extend([0xFF, 0xC0, 0, 17, 8]);
        j.extend(h.to_be_bytes());
        j.extend(w.to_be_bytes());
        j.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        j.extend([0xFF, 0xDA, 0, 2]);
        j
    }

    #[test]
    fn jpeg_size_and_orientation() {
        let p = probe(&mut Cursor::new(jpeg_header(4000, 3000, 6))).unwrap();
        assert_eq!(
            (p.format, p.width, p.height, p.orientation),
            (Format::Jpeg, 4000, 3000, 6)
        );
        assert_eq!(p.display_size(), (3000, 4000));
        assert_eq!(p.problem, None);
    }

    #[test]
    fn problems() {
        let cut = jpeg_header(4000, 3000, 1);
        let p = probe(&mut Cursor::new(&cut[..20])).unwrap();
        assert_eq!(p.problem, Some(Problem::Truncated));
        let p = probe(&mut Cursor::new(b"%PDF-1.7 not a photo".to_vec())).unwrap();
        assert_eq!(p.problem, Some(Problem::NotImage));
        let p = probe(&mut Cursor::new(jpeg_header(20000, 20000, 1))).unwrap();
        assert_eq!(p.problem, Some(Problem::TooLarge));
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        let p = probe(&mut Cursor::new(heic)).unwrap();
        assert_eq!(
            (p.format, p.problem),
            (Format::Heic, Some(Problem::Unsupported))
        );
    }

    #[test]
    fn png_and_webp_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png.extend(b"\0\0\0\0IDAT\0\0\0\0");
        let p = probe(&mut Cursor::new(png)).unwrap();
        assert_eq!((p.width, p.height, p.alpha), (640, 480, true));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L\x05\0\0\0\x2f".to_vec();
        webp.extend((99u32 | (49 << 14)).to_le_bytes());
        webp.push(0);
        let p = probe(&mut Cursor::new(webp)).unwrap();
        assert_eq!((p.format, p.width, p.height), (Format::Webp, 100, 50));
    }
}
