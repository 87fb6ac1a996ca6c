#!/usr/bin/env python3
"""Bytes of one photo variant in each format a browser takes, to decide
which formats dangjian publishes (README, “图片”). Pillow (libjpeg, libwebp,
libavif) stands in for the encoders: if even libwebp's lossless mode is
larger than a q75 JPEG, the pure-Rust lossless WebP encoder is too.

    python3 bench/image_formats.py [WIDTH] PHOTO...

Needs Pillow ≥ 11.3 with WebP and AVIF (pip install pillow).
"""
import io
import statistics
import sys

from PIL import Image, ImageOps


def size(img, **kw):
    buf = io.BytesIO()
    img.save(buf, **kw)
    return len(buf.getvalue())


def main():
    args = sys.argv[1:]
    width = int(args.pop(0)) if args and args[0].isdigit() else 960
    rows = []
    for path in args:
        img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        h = round(img.height * width / img.width)
        img = img.resize((width, h), Image.LANCZOS)
        rows.append({
            "jpeg q75 4:2:0": size(img, format="JPEG", quality=75, subsampling=2),
            "webp q75 (lossy)": size(img, format="WEBP", quality=75, method=4),
            "webp lossless": size(img, format="WEBP", lossless=True, method=4),
            "avif q50 speed 6": size(img, format="AVIF", quality=50, speed=6),
        })
    print(f"{len(rows)} photos at {width} px wide, median bytes (vs JPEG):")
    base = statistics.median(r["jpeg q75 4:2:0"] for r in rows)
    for k in rows[0]:
        m = statistics.median(r[k] for r in rows)
        print(f"  {k:18} {m/1024:8.1f} KiB  {m/base*100:5.0f}%")


if __name__ == "__main__":
    main()
