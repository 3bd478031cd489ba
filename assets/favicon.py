#!/usr/bin/env python3
"""Draws assets/favicon.png: a white lambda (a function, in the topology's colours) on the
function body's brown, in DejaVu Sans Bold. Needs Pillow (pip install pillow)."""
from PIL import Image, ImageDraw, ImageFont
import os

SIZE = 64
here = os.path.dirname(os.path.abspath(__file__))
image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
draw = ImageDraw.Draw(image)
draw.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=12, fill=(122, 72, 26, 255), outline=(232, 166, 90, 255), width=3)
font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 48)
draw.text((SIZE / 2, SIZE / 2 + 2), "\u03bb", font=font, fill=(255, 255, 255, 255), anchor="mm")
image.save(os.path.join(here, "favicon.png"), optimize=True)
