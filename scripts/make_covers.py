#!/usr/bin/env python3
"""Draws the covers of the sample catalog (and the guide's line map).

One-off generator: the PNGs it writes are committed under catalog/. Run it
again only to change a design:

    python3 -m venv /tmp/covers && /tmp/covers/bin/pip install Pillow
    /tmp/covers/bin/python scripts/make_covers.py

Designs are simple geometry and type so that every cover stays well under
60 KB once quantized to a small palette. Fonts: DejaVu (Debian's
fonts-dejavu-core), looked up in the usual places.
"""

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent / "catalog"
W, H = 600, 900
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/local/share/fonts", "/Library/Fonts"]


def font(name, size):
    for d in FONT_DIRS:
        path = Path(d) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise SystemExit(f"font {name} not found: install fonts-dejavu-core")


def wrap(draw, text, fnt, width):
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=fnt) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def centred(draw, lines, fnt, top, fill, spacing=1.2):
    y = top
    for line in lines:
        x = (W - draw.textlength(line, font=fnt)) / 2
        draw.text((x, y), line, font=fnt, fill=fill)
        y += fnt.size * spacing
    return y


def save(img, path, colours=24):
    path.parent.mkdir(parents=True, exist_ok=True)
    img.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True
    )
    print(f"{path.relative_to(ROOT.parent)}: {path.stat().st_size} bytes")


def title_block(draw, title, author, ink, top=120):
    y = centred(draw, wrap(draw, title, font("DejaVuSerif-Bold.ttf", 56), 500),
                font("DejaVuSerif-Bold.ttf", 56), top, ink)
    draw.line([(220, y + 20), (380, y + 20)], fill=ink, width=3)
    centred(draw, [author], font("DejaVuSans.ttf", 28), y + 45, ink)


def cover_guide():
    img = Image.new("RGB", (W, H), "#e9e1cf")
    d = ImageDraw.Draw(img)
    # Three valleys as layered hills, the line crossing them on a viaduct.
    for i, colour in enumerate(["#9bb38a", "#6f8f6a", "#4a6b55"]):
        base = 560 + i * 90
        points = [(x, base - 70 * math.sin((x / W) * math.pi * (2 + i) + i)) for x in range(0, W + 1, 10)]
        d.polygon(points + [(W, H), (0, H)], fill=colour)
    for x in range(60, 560, 40):
        d.arc([x, 640, x + 40, 700], 180, 360, fill="#2b2b2b", width=4)
    d.line([(0, 640 + 30), (W, 640 + 30)], fill="#2b2b2b", width=6)
    d.rectangle([0, 0, W, 90], fill="#b5432f")
    centred(d, ["GUIDE DU VOYAGEUR"], font("DejaVuSans-Bold.ttf", 30), 28, "#f4efe3")
    title_block(d, "La Ligne des Trois Vallées", "Margot Ferrandou", "#2b2b2b", 150)
    save(img, ROOT / "ligne-des-trois-vallees/OEBPS/images/cover.png")


def cover_conductor():
    img = Image.new("RGB", (W, H), "#141c33")
    d = ImageDraw.Draw(img)
    rng = random.Random(7)
    for _ in range(90):
        x, y, r = rng.randrange(W), rng.randrange(560), rng.choice([1, 1, 2])
        d.ellipse([x - r, y - r, x + r, y + r], fill="#d8dcef")
    d.ellipse([200, 560, 400, 760], fill="#f2c14e")
    d.ellipse([235, 595, 365, 725], fill="#f7dc8c")
    d.rectangle([0, 800, W, 812], fill="#7d86a8")
    for x in range(-20, W, 60):
        d.rectangle([x, 812, x + 30, 830], fill="#4b5476")
    title_block(d, "The Night Conductor", "Thomas Aldwick-Penn", "#f1ede0", 140)
    save(img, ROOT / "the-night-conductor/OEBPS/images/cover.png")


def cover_passagere():
    img = Image.new("RGB", (W, H), "#f0a35e")
    d = ImageDraw.Draw(img)
    # A carriage side: a row of windows, one of them lit.
    d.rectangle([0, 520, W, 820], fill="#38414f")
    for i, x in enumerate(range(30, W - 60, 140)):
        fill = "#fbe7b5" if i == 2 else "#6b7789"
        d.rounded_rectangle([x, 570, x + 110, 700], radius=14, fill=fill)
    d.ellipse([325, 600, 365, 640], fill="#38414f")
    d.rectangle([318, 640, 372, 700], fill="#38414f")
    d.rectangle([0, 840, W, 852], fill="#38414f")
    title_block(d, "La Passagère de 17 h 42", "Lise Vaubrac", "#2a1d12", 140)
    save(img, ROOT / "la-passagere-de-17h42/OEBPS/images/cover.png")


def cover_lost_property():
    img = Image.new("RGB", (W, H), "#efe6d2")
    d = ImageDraw.Draw(img)
    # Shelves of a lost-property office: gloves, umbrellas, a violin case.
    rng = random.Random(11)
    colours = ["#b5432f", "#2f5d7c", "#d9a441", "#5b7f4f", "#3a3a3a", "#8a5a8c"]
    for shelf_y in (520, 660, 800):
        d.rectangle([40, shelf_y, W - 40, shelf_y + 10], fill="#6b4f3a")
        x = 60
        while x < W - 100:
            w = rng.randrange(40, 90)
            h = rng.randrange(50, 110)
            shape = rng.choice(["box", "round", "tall"])
            fill = rng.choice(colours)
            if shape == "box":
                d.rectangle([x, shelf_y - h, x + w, shelf_y], fill=fill)
            elif shape == "round":
                d.ellipse([x, shelf_y - w, x + w, shelf_y], fill=fill)
            else:
                d.rounded_rectangle([x, shelf_y - h - 20, x + w // 2, shelf_y], radius=10, fill=fill)
                w = w // 2
            x += w + rng.randrange(12, 30)
    title_block(d, "Lost Property", "Jo Marrable", "#2b2b2b", 120)
    centred(d, ["five stories from the line"], font("DejaVuSerif-Italic.ttf", 26), 300, "#2b2b2b")
    save(img, ROOT / "lost-property/OEBPS/images/cover.png")


def line_map():
    """The guide's schematic map of the line, from Montclaret to Saint-Ylie."""
    w, h = 800, 300
    img = Image.new("RGB", (w, h), "#fbf8f0")
    d = ImageDraw.Draw(img)
    stops = [("Montclaret", 60), ("Les Aubiers", 190), ("Combe-Noire", 330),
             ("Villeret", 480), ("Pont-Sarrat", 600), ("Saint-Ylie", 740)]
    d.line([(60, 150), (740, 150)], fill="#b5432f", width=8)
    d.rectangle([370, 138, 440, 162], fill="#555555")  # the tunnels
    small = font("DejaVuSans.ttf", 18)
    for i, (name, x) in enumerate(stops):
        d.ellipse([x - 11, 139, x + 11, 161], fill="#fbf8f0", outline="#b5432f", width=5)
        y = 95 if i % 2 == 0 else 185
        d.text((x - d.textlength(name, font=small) / 2, y), name, font=small, fill="#2b2b2b")
    d.text((20, 260), "Ligne des Trois Vallées — 74 km, 6 gares", font=small, fill="#555555")
    save(img, ROOT / "ligne-des-trois-vallees/OEBPS/images/carte.png", colours=12)


if __name__ == "__main__":
    cover_guide()
    cover_conductor()
    cover_passagere()
    cover_lost_property()
    line_map()
