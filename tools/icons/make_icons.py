"""Draw the app icons (PNG) from the favicon's artwork (louage/static/img/favicon.svg): a green
rounded square with a white bold "L". Run from the repository root:

    .venv/bin/python tools/icons/make_icons.py

The "any" icons keep the favicon's rounded corners; the maskable ones fill the square and keep
the letter inside the central 80 % circle that every launcher mask leaves visible.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "louage" / "static" / "img"
FONT = ROOT / "louage" / "tickets" / "fonts" / "NotoSansArabic-Bold.ttf"
GREEN = (11, 110, 79, 255)  # --green in louage.css
WHITE = (255, 255, 255, 255)
SIZES = (192, 512)


def draw(size, *, maskable):
    scale = 4  # drawn larger, then reduced: smooth edges without an SVG renderer
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=GREEN)
        letter = big * 34 / 64 * 0.8  # the favicon's letter, inside the safe zone
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 14 / 64, fill=GREEN)
        letter = big * 34 / 64
    font = ImageFont.truetype(str(FONT), int(letter))
    pen.text((big / 2, big / 2), "L", font=font, fill=WHITE, anchor="mm")
    return image.resize((size, size), Image.LANCZOS)


def main():
    for size in SIZES:
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
