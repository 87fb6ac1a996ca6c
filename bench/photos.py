#!/usr/bin/env python3
"""Writes phone-like photos: large JPEGs with sensor noise, an EXIF
orientation tag, camera make/model, a capture time and a GPS position, as
editors' phones produce them. Neutral scenes only (a village road, fields, a
meeting room, a courtyard), drawn procedurally so nothing needs downloading.

    python3 bench/photos.py OUT_DIR [COUNT] [--quality Q] [--noise SIGMA] [--size WxH]

Photo i uses scene i % 4; every third photo is a portrait shot stored
sideways with Orientation 6, as phones do. Needs Pillow (pip install pillow).
Deterministic: the same arguments give the same files.
"""
import argparse
import os
import random

from PIL import Image, ImageDraw, ImageFilter

SCENES = ["road", "field", "meeting", "courtyard"]


def sky(draw, w, horizon, top, bottom):
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        c = tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3))
        draw.line([(0, y), (w, y)], fill=c)


def hills(draw, rnd, w, horizon, colour, height):
    pts = [(0, horizon)]
    x = 0
    while x <= w:
        pts.append((x, horizon - rnd.randint(height // 3, height)))
        x += rnd.randint(w // 12, w // 6)
    pts += [(w, horizon), (0, horizon)]
    draw.polygon(pts, fill=colour)


def tree(draw, rnd, x, base, size):
    draw.rectangle([x - size // 14, base - size // 2, x + size // 14, base], fill=(92, 64, 40))
    for _ in range(7):
        dx = rnd.randint(-size // 3, size // 3)
        dy = rnd.randint(-size, -size // 2)
        r = rnd.randint(size // 4, size // 2)
        g = rnd.randint(90, 140)
        draw.ellipse([x + dx - r, base + dy - r, x + dx + r, base + dy + r], fill=(40, g, 45))


def house(draw, rnd, x, base, w, h):
    wall = rnd.choice([(222, 214, 200), (205, 198, 186), (230, 226, 216)])
    draw.rectangle([x, base - h, x + w, base], fill=wall)
    roof = rnd.choice([(70, 72, 80), (120, 60, 50), (90, 90, 96)])
    draw.polygon([(x - w // 10, base - h), (x + w // 2, base - h - h // 2), (x + w + w // 10, base - h)], fill=roof)
    for i in range(2):
        wx = x + w // 6 + i * w // 2
        draw.rectangle([wx, base - h * 3 // 4, wx + w // 5, base - h * 2 // 5], fill=(60, 80, 100))
    draw.rectangle([x + w * 2 // 5, base - h // 2, x + w * 3 // 5, base], fill=(110, 80, 60))


def scene_road(img, rnd):
    w, h = img.size
    d = ImageDraw.Draw(img)
    horizon = h * 11 // 20
    sky(d, w, horizon, (120, 165, 215), (200, 220, 235))
    hills(d, rnd, w, horizon, (95, 125, 100), h // 6)
    d.rectangle([0, horizon, w, h], fill=(120, 150, 90))
    d.polygon([(w * 9 // 20, horizon), (w * 11 // 20, horizon), (w * 4 // 5, h), (w // 5, h)], fill=(150, 148, 140))
    for i in range(6):
        house(d, rnd, rnd.randint(0, w * 3 // 10) if i % 2 else rnd.randint(w * 6 // 10, w * 9 // 10),
              horizon + h // 30, w // 9, h // 7)
    for _ in range(14):
        x = rnd.choice([rnd.randint(0, w // 4), rnd.randint(w * 3 // 4, w)])
        tree(d, rnd, x, rnd.randint(horizon, h * 4 // 5), rnd.randint(h // 10, h // 5))


def scene_field(img, rnd):
    w, h = img.size
    d = ImageDraw.Draw(img)
    horizon = h * 2 // 5
    sky(d, w, horizon, (110, 160, 220), (215, 225, 235))
    hills(d, rnd, w, horizon, (80, 110, 90), h // 8)
    for i, y in enumerate(range(horizon, h, h // 40)):
        g = 120 + (i * 7) % 60
        d.rectangle([0, y, w, y + h // 40], fill=(170 - (i * 5) % 40, g + 40, 70))
    for _ in range(9):
        tree(d, rnd, rnd.randint(0, w), horizon + rnd.randint(0, h // 20), rnd.randint(h // 14, h // 9))
    for i in range(5):
        x = w // 8 + i * w // 5
        d.ellipse([x, h * 3 // 5, x + w // 40, h * 3 // 5 + h // 18], fill=(40, 60, 120))
        d.ellipse([x + w // 160, h * 3 // 5 - h // 40, x + w // 55, h * 3 // 5], fill=(225, 190, 160))


def scene_meeting(img, rnd):
    w, h = img.size
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, h], fill=(228, 224, 214))
    d.rectangle([0, h * 3 // 5, w, h], fill=(160, 130, 100))
    for i in range(3):
        x = w // 10 + i * w * 3 // 10
        d.rectangle([x, h // 8, x + w // 5, h * 2 // 5], fill=(170, 200, 225))
        d.line([(x + w // 10, h // 8), (x + w // 10, h * 2 // 5)], fill=(240, 240, 240), width=w // 200)
    for row in range(3):
        y = h * 3 // 5 + row * h // 8
        d.rectangle([w // 12, y, w * 11 // 12, y + h // 30], fill=(120, 84, 56))
        for i in range(8):
            x = w // 10 + i * w // 9
            d.ellipse([x, y - h // 9, x + w // 30, y - h // 40], fill=rnd.choice([(40, 40, 50), (60, 60, 80), (90, 60, 50)]))
            d.ellipse([x + w // 200, y - h // 7, x + w // 40, y - h // 10], fill=(225, 190, 160))
            d.rectangle([x, y - h // 200, x + w // 40, y + h // 200], fill=(250, 250, 245))


def scene_courtyard(img, rnd):
    w, h = img.size
    d = ImageDraw.Draw(img)
    horizon = h // 2
    sky(d, w, horizon, (130, 170, 210), (210, 222, 230))
    d.rectangle([0, horizon - h // 4, w, horizon], fill=(200, 190, 175))
    for i in range(12):
        x = i * w // 12
        d.rectangle([x + w // 60, horizon - h // 5, x + w // 20, horizon - h // 10], fill=(70, 90, 110))
    d.rectangle([0, horizon, w, h], fill=(175, 170, 160))
    for y in range(horizon, h, h // 25):
        d.line([(0, y), (w, y)], fill=(160, 155, 146), width=3)
    d.rectangle([w * 3 // 8, horizon - h // 6, w * 5 // 8, horizon + h // 12], fill=(240, 236, 226), outline=(140, 40, 40), width=w // 150)
    for i in range(9):
        y = horizon - h // 7 + i * h // 45
        d.line([(w * 3 // 8 + w // 40, y), (w * 5 // 8 - w // 40 - rnd.randint(0, w // 20), y)], fill=(90, 90, 90), width=h // 300)
    for _ in range(6):
        tree(d, rnd, rnd.choice([rnd.randint(0, w // 5), rnd.randint(w * 4 // 5, w)]), horizon + h // 10, h // 5)


def exif_for(i, rnd, orientation):
    img = Image.new("RGB", (1, 1))
    exif = img.getexif()
    exif[0x010F] = "PhoneMaker"      # Make
    exif[0x0110] = "Phone 12 Pro"    # Model
    exif[0x0112] = orientation       # Orientation
    exif[0x0131] = "Camera 1.0"      # Software
    exif[0x0132] = "2026:11:18 09:%02d:%02d" % (i % 60, (i * 7) % 60)  # DateTime
    exif[0x013B] = "Zhang San"       # Artist: personal data
    gps = exif.get_ifd(0x8825)
    lat = 36.0 + rnd.random()
    lon = 117.0 + rnd.random()
    gps[1] = "N"
    gps[2] = (int(lat), int(lat * 60) % 60, round((lat * 3600) % 60, 2))
    gps[3] = "E"
    gps[4] = (int(lon), int(lon * 60) % 60, round((lon * 3600) % 60, 2))
    gps[5] = b"\x00"
    gps[6] = 120.5
    exif[0x8825] = gps
    return exif


def photo(i, size, noise, rnd):
    w, h = size
    img = Image.new("RGB", (w, h))
    [scene_road, scene_field, scene_meeting, scene_courtyard][i % 4](img, rnd)
    img = img.filter(ImageFilter.GaussianBlur(radius=max(w // 1500, 1)))
    if noise > 0:
        # Texture at every scale, as in real scenes (leaves, gravel, cloth)
        # and sensors: downscaled copies keep detail, as photos do.
        for scale, weight in [(1, 0.05), (3, 0.06), (9, 0.07), (27, 0.06)]:
            grain = Image.effect_noise((w // scale + 1, h // scale + 1), noise)
            grain = grain.resize((w, h), Image.Resampling.BICUBIC).convert("RGB")
            img = Image.blend(img, grain, weight)
        # Blending with grey noise pulls colours to grey; lift them back.
        img = img.point(lambda v: max(0, min(255, int((v - 128 * 0.22) / 0.78))))
    return img


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("count", nargs="?", type=int, default=4)
    p.add_argument("--quality", type=int, default=92)
    p.add_argument("--noise", type=float, default=40.0)
    p.add_argument("--size", default="4000x3000")
    p.add_argument("--prefix", default="IMG_2026111")
    a = p.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.count):
        rnd = random.Random(i)
        portrait = i % 3 == 2
        img = photo(i, (h, w) if portrait else (w, h), a.noise, rnd)
        orientation = 1
        if portrait:
            # The sensor is landscape: a portrait shot is stored sideways
            # and displayed upright by the Orientation tag (6: rotate 90° CW).
            img = img.transpose(Image.Transpose.ROTATE_90)
            orientation = 6
        name = os.path.join(a.out, "%s_%04d.jpg" % (a.prefix, i + 1))
        img.save(name, "JPEG", quality=a.quality, exif=exif_for(i, rnd, orientation),
                 subsampling=0 if a.quality >= 90 else 2)
        print(name, os.path.getsize(name))


if __name__ == "__main__":
    main()
