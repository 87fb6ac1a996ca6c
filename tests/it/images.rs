//! Published photos: upright, resized, re-encoded, cached, and carrying no
//! personal metadata (issue 12). Metadata is looked for here by a reader
//! of its own, not by the build's guard, so a bug in one is caught by the
//! other.

use std::path::Path;

use crate::support::TestSite;

/// A TIFF (EXIF) block with an orientation and a GPS latitude reference:
/// what a phone writes, reduced to the tags that matter here.
fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let mut t = b"Exif\0\0II*\0\x08\0\0\0".to_vec();
    // IFD0 at 8: orientation, then the GPS IFD pointer (at 8 + 30 = 38).
    t.extend(2u16.to_le_bytes());
    t.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    t.extend(orientation.to_le_bytes());
    t.extend([0, 0]);
    t.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
    t.extend(0u32.to_le_bytes());
    // GPS IFD: GPSLatitudeRef "N".
    t.extend(1u16.to_le_bytes());
    t.extend([1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    t.extend(0u32.to_le_bytes());
    t
}

/// A phone-like JPEG of `w` × `h` stored pixels: a left half red, right
/// half blue (so rotation shows), noise (so sizes are photo-like), with
/// EXIF (orientation, GPS), XMP and a comment naming `marker`.
fn phone_jpeg(w: u32, h: u32, orientation: u16, marker: &str) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(w, h, |x, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed % 40) as u8;
        if x < w / 2 {
            image::Rgb([215 + n, n, n])
        } else {
            image::Rgb([n, n, 215 + n])
        }
    });
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 92);
    enc.add_app_segment(1, exif_with_gps(orientation)).unwrap();
    let xmp = format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>{marker}</exif:GPSLatitude></x:xmpmeta>"
    );
    enc.add_app_segment(1, xmp.into_bytes()).unwrap();
    enc.encode(
        img.as_raw(),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    // A comment segment after SOI.
    let com = format!("拍摄者家中 {marker}");
    let mut seg = vec![0xFF, 0xFE];
    seg.extend(((com.len() + 2) as u16).to_be_bytes());
    seg.extend(com.as_bytes());
    out.splice(2..2, seg);
    out
}

/// What metadata an image file carries, by the container's own structure:
/// JPEG APP1 (EXIF, XMP), APP13 (IPTC), COM; PNG text and eXIf chunks;
/// WebP EXIF and XMP chunks. An orientation-only EXIF block is allowed.
fn metadata_in(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    // Everything but the compressed pixels, where "GPS" may occur by
    // chance: it must not appear there.
    let mut outside_pixels: Vec<&[u8]> = Vec::new();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 4 <= bytes.len() && bytes[i] == 0xFF {
            let marker = bytes[i + 1];
            if marker == 0xDA || marker == 0xD9 {
                break;
            }
            let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
            let data = &bytes[i + 4..(i + 2 + len).min(bytes.len())];
            outside_pixels.push(data);
            match marker {
                0xE1 if data.starts_with(b"Exif") && orientation_only(&data[6..]) => {}
                0xE1 if data.starts_with(b"Exif") => found.push("EXIF".into()),
                0xE1 => found.push("APP1/XMP".into()),
                0xED => found.push("IPTC".into()),
                0xFE => found.push("COM".into()),
                m @ 0xE3..=0xEF => found.push(format!("APP{}", m - 0xE0)),
                _ => {}
            }
            i += 2 + len;
        }
    } else if bytes.starts_with(b"\x89PNG") {
        let mut i = 8;
        while i + 8 <= bytes.len() {
            let len = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
            let kind = String::from_utf8_lossy(&bytes[i + 4..i + 8]).into_owned();
            if ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"].contains(&kind.as_str()) {
                found.push(kind.clone());
            }
            if kind != "IDAT" {
                outside_pixels
                    .push(&bytes[(i + 8).min(bytes.len())..(i + 8 + len).min(bytes.len())]);
            }
            i += 12 + len;
        }
    } else if bytes.starts_with(b"RIFF") {
        let mut i = 12;
        while i + 8 <= bytes.len() {
            let kind = &bytes[i..i + 4];
            let len = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().unwrap()) as usize;
            if kind == b"EXIF" || kind == b"XMP " {
                found.push(String::from_utf8_lossy(kind).into_owned());
            }
            if ![b"VP8 ", b"VP8L", b"ALPH"].contains(&kind.try_into().unwrap()) {
                outside_pixels
                    .push(&bytes[(i + 8).min(bytes.len())..(i + 8 + len).min(bytes.len())]);
            }
            i += 8 + len + (len & 1);
        }
    } else {
        outside_pixels.push(bytes);
    }
    if outside_pixels
        .iter()
        .any(|b| b.windows(3).any(|w| w == b"GPS"))
    {
        found.push("GPS bytes".into());
    }
    found
}

/// Whether a TIFF block holds one IFD with only the orientation tag.
fn orientation_only(tiff: &[u8]) -> bool {
    let le = tiff.starts_with(b"II");
    let u16_at = |i: usize| {
        let b = [tiff[i], tiff[i + 1]];
        if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    tiff.len() >= 26 && u16_at(8) == 1 && u16_at(10) == 0x0112
}

/// Every raster image under `dir`, with its bytes.
fn images_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    TestSite::tree(dir)
        .into_iter()
        .filter(|(p, _)| {
            let p = p.to_ascii_lowercase();
            [".jpg", ".jpeg", ".png", ".webp"]
                .iter()
                .any(|e| p.ends_with(e))
        })
        .collect()
}

/// The repository's demo site, copied (content, site.yaml, static).
fn demo() -> TestSite {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = TestSite::basic();
    std::fs::remove_dir_all(site.root().join("content")).unwrap();
    for e in walkdir::WalkDir::new(repo.join("content"))
        .into_iter()
        .chain(walkdir::WalkDir::new(repo.join("static")))
    {
        let e = e.unwrap();
        let dest = site.root().join(e.path().strip_prefix(repo).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    std::fs::copy(repo.join("site.yaml"), site.root().join("site.yaml")).unwrap();
    site
}

#[test]
fn demo_output_images_carry_no_personal_metadata() {
    let site = demo();
    let sources = images_under(&site.root().join("content"));
    // The demo's photos do carry GPS: otherwise this test proves nothing.
    assert!(
        sources
            .iter()
            .filter(|(_, b)| metadata_in(b).contains(&"EXIF".to_string()))
            .count()
            >= 4
    );
    site.build_ok();
    let published = images_under(&site.out());
    assert!(published.len() >= 12, "{}", published.len());
    for (path, bytes) in &published {
        let found = metadata_in(bytes);
        assert!(found.is_empty(), "{path}: {found:?}");
        let img = image::load_from_memory(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(img.width() <= 1600, "{path}: {} wide", img.width());
    }
    let page = site.read("news/2026-11-18-dongcun-zoufang/index.html");
    assert!(
        page.contains("IMG_20261118_0003-1080.jpg 1080w") && page.contains("sizes=\""),
        "{page}"
    );
    // WebP twins first, for browsers that read them; the JPEGs stay the fallback.
    assert!(
        page.contains("<picture><source type=\"image/webp\" srcset=\"/news/2026-11-18-dongcun-zoufang/IMG_20261118_0003-480.webp 480w")
            && site.exists("news/2026-11-18-dongcun-zoufang/IMG_20261118_0003-1080.webp"),
        "{page}"
    );
    // Stored 4000 × 3000 with Orientation 6: shown upright, 1600 × 2133.
    assert!(page.contains("width=\"1600\" height=\"2133\""), "{page}");
    assert!(!site.exists("news/2026-11-18-dongcun-zoufang/IMG_20261118_0001.jpg"));
    // Feeds carry the same variants, with absolute URLs.
    let feed = site.read("news/feed.json");
    assert!(
        feed.contains(r#"srcset=\"https://dangjian.example.org/news/2026-11-18-dongcun-zoufang/IMG_20261118_0003-480.jpg 480w, https://"#),
        "{feed}"
    );
}

#[test]
fn photos_are_upright_resized_and_never_upscaled() {
    let site = TestSite::basic();
    let dir = "content/news/bundle-visit";
    site.write_bytes(&format!("{dir}/side.jpg"), &phone_jpeg(1200, 600, 6, "M1"))
        .write_bytes(&format!("{dir}/small.jpg"), &phone_jpeg(300, 200, 1, "M2"))
        .write(
            &format!("{dir}/index.md"),
            "---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\ncover: side.jpg\ncover_alt: 走访\n---\n![小图](small.jpg)\n",
        )
        .build_ok();
    let out = "news/bundle-visit";
    let dims = |name: &str| {
        let img = image::open(site.out().join(out).join(name)).unwrap();
        (img.width(), img.height())
    };
    // 600 × 1200 upright: 480 and 600 (its own width), never 1080.
    assert_eq!(dims("side-480.jpg"), (480, 960));
    assert_eq!(dims("side-600.jpg"), (600, 1200));
    assert!(!site.exists(&format!("{out}/side-1080.jpg")));
    let top = image::open(site.out().join(out).join("side-480.jpg"))
        .unwrap()
        .to_rgb8();
    // Rotated clockwise: the red left half of the stored image is on top.
    assert!(top.get_pixel(240, 100)[0] > 180 && top.get_pixel(240, 860)[2] > 180);
    assert_eq!(dims("small-300.jpg"), (300, 200));
    assert!(!site.exists(&format!("{out}/small.jpg")));
    let page = site.read(&format!("{out}/index.html"));
    assert!(
        page.contains(r#"src="/news/bundle-visit/small-300.jpg" alt="小图" srcset="/news/bundle-visit/small-300.jpg 300w""#),
        "{page}"
    );
    assert!(page.contains(r#"width="300" height="200" loading="lazy""#));
    assert!(
        page.contains(r#"width="600" height="1200""#),
        "cover: {page}"
    );
}

#[test]
fn keep_original_publishes_the_original_without_metadata() {
    let site = TestSite::basic();
    let src = phone_jpeg(800, 400, 6, "KEEP-MARKER");
    site.write_bytes("content/news/bundle-visit/p.jpg", &src).write(
        "content/news/bundle-visit/index.md",
        "---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\nkeep_original: true\n---\n![原图](p.jpg)\n",
    );
    site.build_ok();
    let kept = std::fs::read(site.out().join("news/bundle-visit/p.jpg")).unwrap();
    assert!(metadata_in(&kept).is_empty(), "{:?}", metadata_in(&kept));
    assert!(!kept.windows(11).any(|w| w == b"KEEP-MARKER"));
    // Lossless: the same pixels, and still turned by its orientation.
    let a = image::load_from_memory(&src).unwrap().to_rgb8();
    let b = image::load_from_memory(&kept).unwrap().to_rgb8();
    assert_eq!(a.as_raw(), b.as_raw());
    let mut d = image::ImageReader::new(std::io::Cursor::new(&kept))
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    use image::ImageDecoder;
    assert_eq!(
        d.orientation().unwrap(),
        image::metadata::Orientation::Rotate90
    );
    assert!(site.exists("news/bundle-visit/p-400.jpg"));
}

#[test]
fn builds_are_deterministic_and_reuse_the_cache() {
    let site = TestSite::basic();
    let dir = "content/news/bundle-visit";
    site.remove(&format!("{dir}/photo.png"));
    site.write_bytes(&format!("{dir}/a.jpg"), &phone_jpeg(1700, 1000, 1, "A"))
        .write(
            &format!("{dir}/index.md"),
            "---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\n---\n![甲](a.jpg)\n",
        );
    let stdout =
        |a: &assert_cmd::assert::Assert| String::from_utf8(a.get_output().stdout.clone()).unwrap();
    let first = stdout(&site.build(&[]).success());
    assert!(
        first.contains("图片：新处理 6 个文件，从缓存取用 0 个"),
        "{first}"
    );
    let one = images_under(&site.out());
    std::fs::remove_dir_all(site.root().join(".dangjian-cache/images")).unwrap();
    site.build_ok();
    assert_eq!(
        one,
        images_under(&site.out()),
        "same bytes from a cold cache"
    );
    let warm = stdout(&site.build(&[]).success());
    assert!(warm.contains("新处理 0 个文件，从缓存取用 6 个"), "{warm}");
    // A new photo: only its own files are made.
    site.write_bytes(&format!("{dir}/b.jpg"), &phone_jpeg(500, 300, 1, "B"))
        .write(
            &format!("{dir}/index.md"),
            "---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\n---\n![甲](a.jpg)\n![乙](b.jpg)\n",
        );
    let more = stdout(&site.build(&[]).success());
    assert!(more.contains("新处理 4 个文件，从缓存取用 6 个"), "{more}");
}

#[test]
fn broken_images_are_named_in_chinese_and_nothing_is_lost() {
    let site = TestSite::basic();
    site.build_ok();
    let before = TestSite::tree(&site.out());
    let good = phone_jpeg(400, 300, 1, "G");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("cut.jpg", good[..good.len() / 2].to_vec(), "截断"),
        (
            "iphone.heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            "HEIC",
        ),
        (
            "notes.jpg",
            "这是会议记录，不是照片".as_bytes().to_vec(),
            "不是图片文件",
        ),
        ("bomb.png", bomb_png(20_000, 20_000), "万像素"),
    ];
    for (name, bytes, words) in cases {
        site.write_bytes(&format!("content/news/bundle-visit/{name}"), &bytes)
            .write(
                "content/news/bundle-visit/index.md",
                &format!("---\ntitle: 页面包动态\ndate: 2026-11-04 09:00\ncover: {name}\ncover_alt: 坏图\n---\n正文\n"),
            );
        let err = site.build_err();
        assert!(err.contains(name) && err.contains(words), "{name}: {err}");
        assert!(err.contains("cover"), "{name}: names the field: {err}");
        assert!(err.contains("bundle-visit/index.md"), "{name}: {err}");
        assert_eq!(before, TestSite::tree(&site.out()), "{name}: output kept");
        site.remove(&format!("content/news/bundle-visit/{name}"));
    }
}

/// A PNG header declaring `w` × `h` pixels, with a tiny image body.
fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut png = crate::support::png(2, 2);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    png
}

#[test]
fn images_of_unpublished_items_reach_no_output() {
    let site = TestSite::basic();
    for (file, front) in [
        ("secret-draft", "date: 2026-11-04 09:00\ndraft: true"),
        ("party-only", "date: 2026-11-04 09:00\nscope: party"),
        ("future", "date: 2026-12-25 09:00"),
    ] {
        let dir = format!("content/news/{file}-bundle");
        let marker = format!("{}-PHOTO-MARKER", file.to_uppercase());
        site.write_bytes(
            &format!("{dir}/{marker}.jpg"),
            &phone_jpeg(600, 400, 1, &marker),
        )
        .write(
            &format!("{dir}/index.md"),
            &format!(
                "---\ntitle: 未发布 {file}\n{front}\ncover: {marker}.jpg\ncover_alt: 图\n---\n![图]({marker}.jpg)\n"
            ),
        );
    }
    site.build_ok();
    for (path, bytes) in TestSite::tree(&site.out()) {
        assert!(!path.contains("PHOTO-MARKER"), "{path}");
        assert!(
            !bytes.windows(12).any(|w| w == b"PHOTO-MARKER"),
            "{path} names an unpublished photo"
        );
    }
}
