#!/usr/bin/env python3
"""Draws the topology's node-kind icons into assets/icons/: white strokes on a clear
background, which the app tints with its text colour. Each is drawn at four times its
size and scaled down, for smooth edges. Needs Pillow (pip install pillow).

Coordinates are in units of the icon's radius: (0, 0) is the centre, (1, 1) the top
right corner (y up, as in the app's world). Change a shape here, run this script, and
the app shows it on its next start; no code changes."""
from PIL import Image, ImageDraw
import os

SIZE = 96  # pixels of the file
SCALE = 4  # drawn this many times larger, then scaled down
STROKE = 0.16  # line width, in radii (about 2 px where the topology draws icons 24 px wide)
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icons")
WHITE = (255, 255, 255, 255)


class Pen:
    """Draws in radius units onto a supersampled square."""

    def __init__(self):
        self.big = SIZE * SCALE
        self.image = Image.new("RGBA", (self.big, self.big), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        # The radius leaves room for half a stroke at the edges.
        self.r = self.big / 2 * (1 - STROKE / 2 - 0.02)
        self.width = max(1, round(STROKE * self.r))

    def p(self, x, y):
        return (self.big / 2 + x * self.r, self.big / 2 - y * self.r)

    def box(self, cx, cy, w, h):
        (x0, y0), (x1, y1) = self.p(cx - w / 2, cy + h / 2), self.p(cx + w / 2, cy - h / 2)
        return (x0, y0, x1, y1)

    def line(self, *points):
        self.draw.line([self.p(x, y) for x, y in points], fill=WHITE, width=self.width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            cx, cy = self.p(x, y)
            half = self.width / 2
            self.draw.ellipse((cx - half, cy - half, cx + half, cy + half), fill=WHITE)

    def rect(self, cx, cy, w, h):
        self.draw.rectangle(self.box(cx, cy, w, h), outline=WHITE, width=self.width)

    def ellipse(self, cx, cy, rx, ry, fill=False):
        box = self.box(cx, cy, 2 * rx, 2 * ry)
        if fill:
            self.draw.ellipse(box, fill=WHITE)
        else:
            self.draw.ellipse(box, outline=WHITE, width=self.width)

    def polygon(self, *points):
        self.draw.polygon([self.p(x, y) for x, y in points], fill=WHITE)

    def save(self, name):
        small = self.image.resize((SIZE, SIZE), Image.LANCZOS)
        small.save(os.path.join(here, name + ".png"), optimize=True)


def function(pen):  # a lambda
    pen.line((-0.65, 0.9), (-0.35, 0.9), (0.7, -0.9))
    pen.line((0.08, 0.05), (-0.7, -0.9))


def queue(pen):  # messages stacked in a line
    for y in (0.6, 0.0, -0.6):
        pen.rect(0.0, y, 1.7, 0.38)


def stream(pen):  # records on an ordered tape, read from the left
    pen.line((-0.95, 0.45), (0.95, 0.45))
    pen.line((-0.95, -0.45), (0.95, -0.45))
    for x in (-0.5, 0.0, 0.5):
        pen.line((x, 0.45), (x, -0.45))
    pen.polygon((0.62, 0.22), (0.92, 0.0), (0.62, -0.22))  # the reading direction


def database(pen):  # a cylinder
    pen.ellipse(0.0, 0.7, 0.8, 0.25)
    pen.line((-0.8, 0.7), (-0.8, -0.7))
    pen.line((0.8, 0.7), (0.8, -0.7))
    pen.draw.arc(pen.box(0.0, -0.7, 1.6, 0.5), 0, 180, fill=WHITE, width=pen.width)
    pen.draw.arc(pen.box(0.0, 0.0, 1.6, 0.5), 0, 180, fill=WHITE, width=pen.width)


def bus(pen):  # a line with stops
    pen.line((-1.0, 0.0), (1.0, 0.0))
    for x in (-0.8, 0.0, 0.8):
        pen.ellipse(x, 0.0, 0.2, 0.2, fill=True)


def bucket(pen):  # a bucket with a rim
    pen.line((-0.9, 0.7), (-0.6, -0.8), (0.6, -0.8), (0.9, 0.7))
    pen.ellipse(0.0, 0.7, 0.9, 0.2)


def workflow(pen):  # three steps joined
    for (x, y) in [(-0.6, 0.6), (0.0, 0.0), (0.6, -0.6)]:
        pen.rect(x, y, 0.5, 0.5)
    pen.line((-0.35, 0.6), (0.0, 0.6), (0.0, 0.25))
    pen.line((0.25, 0.0), (0.6, 0.0), (0.6, -0.35))


def api(pen):  # a plug: someone else's service behind a socket
    pen.rect(0.0, -0.15, 1.2, 0.9)
    pen.line((-0.3, 0.3), (-0.3, 0.9))
    pen.line((0.3, 0.3), (0.3, 0.9))
    pen.line((0.0, -0.6), (0.0, -1.0))


def trigger_http(pen):  # a globe: the web
    pen.ellipse(0.0, 0.0, 1.0, 1.0)
    pen.ellipse(0.0, 0.0, 0.45, 1.0)
    pen.line((-1.0, 0.0), (1.0, 0.0))


def trigger_async(pen):  # an envelope: a message sent and not waited for
    pen.rect(0.0, 0.0, 1.8, 1.2)
    pen.line((-0.9, 0.6), (0.0, -0.1), (0.9, 0.6))


def trigger_schedule(pen):  # a clock
    pen.ellipse(0.0, 0.0, 1.0, 1.0)
    pen.line((0.0, 0.65), (0.0, 0.0), (0.5, 0.0))


def trigger_events(pen):  # a lightning bolt: something happened
    pen.polygon((0.35, 1.0), (-0.5, -0.1), (0.05, -0.1), (-0.35, -1.0), (0.5, 0.15), (-0.05, 0.15))


def trigger_upload(pen):  # an arrow up onto a tray
    pen.line((0.0, -0.45), (0.0, 0.6))
    pen.polygon((0.0, 1.0), (-0.45, 0.45), (0.45, 0.45))
    pen.line((-0.9, -0.3), (-0.9, -0.9), (0.9, -0.9), (0.9, -0.3))


def trigger_writes(pen):  # a table: a grid of rows
    pen.rect(0.0, 0.0, 1.8, 1.6)
    for y in (-0.27, 0.27):
        pen.line((-0.9, y), (0.9, y))
    pen.line((-0.3, -0.8), (-0.3, 0.8))


def trigger_workflow(pen):  # a play button: executions start
    pen.ellipse(0.0, 0.0, 1.0, 1.0)
    pen.polygon((-0.3, 0.5), (0.5, 0.0), (-0.3, -0.5))


if __name__ == "__main__":
    os.makedirs(here, exist_ok=True)
    for draw in [function, queue, stream, database, bus, bucket, workflow, api, trigger_http, trigger_async,
                 trigger_schedule, trigger_events, trigger_upload, trigger_writes, trigger_workflow]:
        pen = Pen()
        draw(pen)
        pen.save(draw.__name__.replace("_", "-"))
