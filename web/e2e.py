#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol to check the web build.

Run by web/e2e.sh (which builds and serves web/dist); standard library only, so CI
needs nothing from PyPI. Each check prints one line; the first failure stops the run
with a message saying what was expected and what happened, and exit status 1.

Checks:
  1. the page loads, the app says it runs (document.body.dataset.faaslab), no panic or
     console error, and the screenshot is not blank (distinct colours, ImageMagick);
  2. a share link (encoded here, independently of the Rust encoder) opens with its
     knob values; the app's own link for that run (kept in local storage) opens the
     same values again; the bare address resumes the last session;
  3. a damaged link shows the default scenario and a notice, not a panic;
  4. a design drawn with taps and clicks travels by its share link;
  5. on a 390x844 phone (touch emulation) a share link opens on the small layout and a
     finger drags the graph;
  6. `?report` runs the default scenario in the browser: the JSON report equals the
     native build's (same scenario and seed, same numbers).
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib


class Failure(Exception):
    pass


class WebSocket:
    """The little of RFC 6455 that the DevTools protocol needs (text frames, client side)."""

    def __init__(self, url, timeout):
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("DevTools closed the connection during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise Failure(f"DevTools refused the websocket: {head[:200]!r}")

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise Failure("DevTools closed the connection (did Chromium crash?)")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            data = self._read(length)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 8:
                raise Failure("DevTools closed the connection")
            if opcode == 9:  # ping: answer, keep reading
                continue
            message += data
            if first & 0x80:
                return message.decode()


class Page:
    """One browser tab: commands, and the console errors it logs."""

    def __init__(self, ws_url, timeout):
        self.ws = WebSocket(ws_url, timeout)
        self.next_id = 0
        self.errors = []
        self.console = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise Failure(f"DevTools {method}: {message['error']}")
                return message.get("result", {})
            self.on_event(message)

    def on_event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(f"{params.get('type')}: {text}")
            if params.get("type") in ("error", "assert"):
                self.errors.append(f"console.error: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"uncaught exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"browser log: {entry.get('text')} {entry.get('url', '')}")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise Failure(f"evaluating {expression!r}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def open(self, url):
        # A fragment-only change would not reload the app: start from a blank page.
        self.call("Page.navigate", url="about:blank")
        self.call("Page.navigate", url=url)

    def wait_for_state(self, wanted, timeout):
        """Waits until body[data-faaslab] is one of `wanted`; fails on panic or timeout."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            state = self.evaluate("document.body ? document.body.dataset.faaslab || null : null")
            if state in wanted:
                return state
            if state in ("panicked", "failed"):
                message = self.evaluate("document.getElementById('faaslab-error').textContent")
                raise Failure(f"the app did not start ({state}): {message}")
            time.sleep(0.25)
        status = self.evaluate("(document.getElementById('status') || {}).textContent")
        raise Failure(
            f"the app did not report {' or '.join(wanted)} within {timeout} s "
            f"(data-faaslab={state!r}, loading status {status!r})"
        )

    def target(self, name, timeout=20):
        """The centre, in CSS pixels, of a canvas button or node the app drew (it publishes
        where it drew them in physical pixels)."""
        deadline = time.monotonic() + timeout
        before = None
        while True:
            # Twice the same place half a second apart: the layout has settled.
            targets = json.loads(self.dataset().get("designTargets") or "{}")
            if name in targets and targets[name] == before:
                x, y, w, h = targets[name]
                ratio = self.evaluate("window.devicePixelRatio") or 1
                return (x + w / 2) / ratio, (y + h / 2) / ratio
            before = targets.get(name)
            time.sleep(0.5)
            if time.monotonic() > deadline:
                raise Failure(f"the design canvas shows no {name!r} (it shows: {sorted(targets)})")

    def click(self, name):
        """A mouse click on a named target, through the browser's input events."""
        x, y = self.target(name)
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        time.sleep(0.1)
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
        time.sleep(0.1)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)
        time.sleep(1.0)  # the app's next frames take it in (SwiftShader draws a few a second)

    def tap(self, name):
        """A finger's tap on a named target: touch events, as a phone sends them."""
        x, y = self.target(name)
        self.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        time.sleep(0.1)
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
        time.sleep(1.0)  # the app's next frames take it in

    def wait_for_design(self, wanted, timeout=20):
        """Waits until the published design summary contains `wanted`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            summary = self.dataset().get("design") or ""
            if wanted in summary:
                return summary
            if time.monotonic() > deadline:
                raise Failure(f"the design never showed {wanted!r}; it is {summary!r}")
            time.sleep(0.2)

    def dataset(self):
        return self.evaluate("Object.assign({}, document.body.dataset)")

    def assert_no_errors(self, during):
        if self.errors:
            raise Failure(f"{during}: the page logged errors:\n  " + "\n  ".join(self.errors[:10]))


def share_fragment(builtin, knobs):
    """A v1 share link, written from the format's description in src/share.rs."""
    lines = ["faaslab link 1", f"builtin {builtin}"] + [f"set {n}={v}" for n, v in knobs] + ["", ""]
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as miniz_oxide writes
    packed = deflate.compress("\n".join(lines).encode()) + deflate.flush()
    return "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def design_fragment(ron):
    """A v1 share link of a design file's text (the payload's `design` form)."""
    text = "faaslab link 1\ndesign\n\n" + ron
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(text.encode()) + deflate.flush()
    return "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def knobs_of(dataset):
    text = dataset.get("knobs") or ""
    return dict(pair.split("=", 1) for pair in text.split(";") if pair)


def distinct_colours(png):
    """Counts the colours of a screenshot from `convert FILE ppm:-`, the one form every convert on a
    machine speaks (ImageMagick's, and the PNG-only stand-in some machines carry instead)."""
    out = subprocess.run(["convert", png, "ppm:-"], capture_output=True, check=False)
    if out.returncode != 0:
        raise Failure(f"convert {png} ppm:- failed: {out.stderr.decode(errors='replace').strip()}")
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", out.stdout)
    if not header or header.group(3) != b"255":
        raise Failure(f"convert {png} ppm:- did not give an 8-bit PPM")
    width, height = int(header.group(1)), int(header.group(2))
    pixels = out.stdout[header.end():header.end() + 3 * width * height]
    return len({pixels[i:i + 3] for i in range(0, len(pixels), 3)})


def start_chromium(user_data, out, timeout, device_scale=None):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise Failure("no chromium on PATH (apt-get install chromium)")
    args = [
        chromium, "--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--window-size=1280,800",
        f"--user-data-dir={user_data}", "--remote-debugging-port=0", "about:blank",
    ]
    if device_scale:
        args.insert(1, f"--force-device-scale-factor={device_scale}")
    log = open(os.path.join(out, "chromium-phone.log" if device_scale else "chromium.log"), "w")
    # A session of its own, so its helper processes (GPU, renderers) end with it.
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    port_file = os.path.join(user_data, "DevToolsActivePort")
    deadline = time.monotonic() + timeout
    while not os.path.exists(port_file) or not open(port_file).read().strip():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise Failure(f"chromium did not start its DevTools endpoint; see {log.name}")
        time.sleep(0.1)
    port = int(open(port_file).read().split()[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as response:
        pages = [t for t in json.load(response) if t.get("type") == "page"]
    if not pages:
        raise Failure("chromium has no page to drive")
    return process, pages[0]["webSocketDebuggerUrl"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="where web/dist is served")
    parser.add_argument("--out", required=True, help="folder for the screenshot and logs")
    parser.add_argument("--native-report", help="`faaslab run --format json` of the default scenario")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the app to start")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    user_data = tempfile.mkdtemp(prefix="faaslab-chromium-")
    phone_data = tempfile.mkdtemp(prefix="faaslab-chromium-phone-")
    process = phone_process = None
    page = None
    try:
        process, ws_url = start_chromium(user_data, args.out, 30)
        page = Page(ws_url, args.timeout)

        # 1. It loads and draws.
        started = time.monotonic()
        page.open(args.url)
        page.wait_for_state(["running"], args.timeout)
        loaded = time.monotonic() - started
        time.sleep(3)  # a few seconds of frames: a panic in the frame loop shows here
        data = page.dataset()
        if data.get("faaslab") != "running":
            raise Failure(f"after running, data-faaslab is {data.get('faaslab')!r}")
        page.assert_no_errors("loading the app")
        shot = os.path.join(args.out, "faaslab-web.png")
        image = page.call("Page.captureScreenshot", format="png")["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(image))
        colours = distinct_colours(shot)
        if colours < 64:
            raise Failure(f"the page looks blank: {colours} distinct colours in {shot}")
        print(f"ok: the app runs ({loaded:.1f} s to running, first frames at {data.get('firstFrameMs')} ms "
              f"after navigation), {colours} colours in {shot}")

        # 2. Share links restore knob values, and the app's own link does too.
        wanted = {"api.memory": "1536", "users.rate": "2"}
        page.open(args.url + "#" + share_fragment("default", wanted.items()))
        page.wait_for_state(["running"], args.timeout)
        time.sleep(1.5)  # the app refreshes its link about twice a second
        got = knobs_of(page.dataset())
        if got != wanted:
            raise Failure(f"a share link with knobs {wanted} opened with knobs {got}")
        own = page.evaluate("localStorage.getItem('faaslab.session')")
        if not own or not own.startswith("v1."):
            raise Failure(f"the app kept no session link in local storage (got {own!r})")
        page.open(args.url + "#" + own)
        page.wait_for_state(["running"], args.timeout)
        time.sleep(1.5)
        again = knobs_of(page.dataset())
        if again != wanted:
            raise Failure(f"the app's own link {own!r} reopened with knobs {again}, expected {wanted}")
        page.open(args.url)
        page.wait_for_state(["running"], args.timeout)
        time.sleep(1.5)
        resumed = knobs_of(page.dataset())
        if resumed != wanted:
            raise Failure(f"the bare address resumed knobs {resumed}, expected the last session's {wanted}")
        page.assert_no_errors("opening share links")
        print(f"ok: a share link restores its knobs {wanted}; the app's own link and the last session too")

        # 3. A damaged link: the default scenario and a notice, not a panic.
        page.open(args.url + "#v1.this-is-not!a-link")
        page.wait_for_state(["running"], args.timeout)
        time.sleep(1.5)
        data = page.dataset()
        if "damaged" not in (data.get("notice") or "") or knobs_of(data):
            raise Failure(f"a damaged link: expected a notice and no knobs, got {data}")
        # The app warns in the console about the link; that is not an error.
        page.assert_no_errors("opening a damaged link")
        print("ok: a damaged link opens the default scenario with a notice")

        # 4. A design drawn through the page's input events (a finger's taps, then mouse
        # clicks), shared by link, reopens as drawn.
        empty = 'Scenario(\n    name: "A design drawn in the browser",\n    brief: "brief-image-upload",\n)\n'
        page.open(args.url + "#" + design_fragment(empty))
        page.wait_for_state(["running"], args.timeout)
        page.wait_for_design("|")
        # A phone's screen: touch events (and the pointer events a browser makes of them).
        page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
        page.tap("+ Function")
        page.wait_for_design('function "function-1"')
        page.tap("+ Function")
        page.wait_for_design('function "function-2"')
        page.tap("Undo")
        deadline = time.monotonic() + 20
        while 'function "function-2"' in (page.dataset().get("design") or ""):
            if time.monotonic() > deadline:
                raise Failure("a tap on Undo did not take the second function back")
            time.sleep(0.2)
        page.call("Emulation.setTouchEmulationEnabled", enabled=False)
        page.click('bucket "images"')
        page.click("Wire from")
        page.click('function "function-1"')
        drawn = page.wait_for_design('bucket "images" -> function "function-1"')
        page.click("Share")
        deadline = time.monotonic() + 10
        link = ""
        while not link.startswith("#v1.") and time.monotonic() < deadline:
            link = page.evaluate("window.location.hash") or ""
            time.sleep(0.2)
        if not link.startswith("#v1."):
            raise Failure(f"Share put no link in the address bar (it has {link!r})")
        page.open(args.url + link)
        page.wait_for_state(["running"], args.timeout)
        reopened = page.wait_for_design('function "function-1"')
        if reopened != drawn:
            raise Failure(f"the design's link reopened {reopened!r}, drawn was {drawn!r}")
        shot = os.path.join(args.out, "faaslab-web-design.png")
        with open(shot, "wb") as f:
            f.write(base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"]))
        page.assert_no_errors("drawing and sharing a design")
        print(f"ok: a design drawn by taps and clicks ({drawn}) travels by its link ({len(link)} characters) "
              f"and reopens as drawn; {shot}")

        # 5. A phone: 390x844 in portrait, two device pixels to a CSS pixel, touch only. A
        # share link opens on the small layout (the topology and one chart), the graph is
        # fitted to the screen's CSS pixels, and a finger drags it. A browser of its own:
        # emulating the ratio (Emulation.setDeviceMetricsOverride) reports the canvas's
        # device-pixel box in CSS pixels, which no real phone does; a browser started at a
        # ratio of 2 reports it as a phone does.
        phone_process, phone_ws = start_chromium(phone_data, args.out, 30, device_scale=2)
        phone = Page(phone_ws, args.timeout)
        phone.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=0, mobile=True)
        phone.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
        phone.open(args.url + "#" + share_fragment("image-upload-pipeline", [("users.rate", "4")]))
        phone.wait_for_state(["running"], args.timeout)
        knobs = knobs_of(phone.dataset())
        if knobs.get("users.rate") != "4":
            raise Failure(f"the share link opened on a phone lost its knob: {knobs}")
        ratio = phone.evaluate("window.devicePixelRatio")
        deadline = time.monotonic() + 20
        while not phone.dataset().get("fit"):
            if time.monotonic() > deadline:
                raise Failure("the phone's topology was never fitted to its view")
            time.sleep(0.3)
        fit = phone.dataset()["fit"]  # "WxH@RATIO X,Y,SCALE": the view and the camera fitted to it
        size, camera_fitted = fit.split(" ")
        (width, height), scale = map(float, size.split("@")[0].split("x")), float(size.split("@")[1])
        if ratio != 2 or scale != 2 or not (200 <= width <= 390 and 200 <= height <= 844):
            raise Failure(f"at a device pixel ratio of {ratio} the graph was fitted into {fit} "
                          f"(want CSS pixels within 390x844 at a scale of 2)")
        time.sleep(2)
        # The middle of the screen is the topology's (the caption above, the chart below).
        # The finger moves 60 px right and 40 down in five steps, resting between them.
        x, y = 195, 380
        phone.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        for step in range(1, 6):
            time.sleep(0.3)
            phone.call("Input.dispatchTouchEvent", type="touchMove", touchPoints=[{"x": x + 12 * step, "y": y + 8 * step}])
        time.sleep(1.5)  # held still: the graph must not slide on
        phone.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
        deadline = time.monotonic() + 20
        while not phone.dataset().get("camera"):
            if time.monotonic() > deadline:
                raise Failure("a finger's drag on the phone's topology did not move the view")
            time.sleep(0.3)
        time.sleep(1)
        camera = phone.dataset()["camera"]
        (x0, y0, _), (x1, y1, zoom) = map(float, camera_fitted.split(",")), map(float, camera.split(","))
        # The graph follows the finger: 60 CSS px right is 60 x zoom world units (y up).
        # The zoom is the one the drag moved at: the view may have been fitted again
        # (the caption's height changed) before the finger came, which moves the zoom a
        # little but never the centre; a drag stops any refitting.
        want = (-60 * zoom, 40 * zoom)
        if abs((x1 - x0) - want[0]) > 0.5 or abs((y1 - y0) - want[1]) > 0.5:
            raise Failure(f"a drag of 60,40 CSS px moved the camera by {x1 - x0:.1f},{y1 - y0:.1f} "
                          f"world units; at a zoom of {zoom} it should be {want[0]:.1f},{want[1]:.1f}")
        shot = os.path.join(args.out, "faaslab-web-phone.png")
        with open(shot, "wb") as f:
            f.write(base64.b64decode(phone.call("Page.captureScreenshot", format="png")["data"]))
        colours = distinct_colours(shot)
        if colours < 50:
            raise Failure(f"the phone's screenshot has only {colours} colours: {shot}")
        phone.assert_no_errors("the phone's layout")
        os.killpg(phone_process.pid, signal.SIGKILL)
        phone_process.wait()
        phone_process = None
        print(f"ok: on a 390x844 phone at a device pixel ratio of 2 a share link opens with its knobs, "
              f"the graph is fitted to {size}, and a finger drags it as far as the finger went "
              f"(camera {camera_fitted} -> {camera}); {shot}")

        # 6. Same scenario and seed, same report as the native build.
        if args.native_report:
            page.open(args.url + "?report")
            page.wait_for_state(["report"], args.timeout)
            browser = page.evaluate("document.getElementById('faaslab-report').textContent")
            with open(args.native_report) as f:
                native = f.read()
            with open(os.path.join(args.out, "report-browser.json"), "w") as f:
                f.write(browser)
            if json.loads(browser) != json.loads(native):
                raise Failure(f"the browser's report differs from the native one: compare "
                              f"{args.out}/report-browser.json with {args.native_report}")
            page.assert_no_errors("running the report")
            print("ok: the browser's report of the default scenario equals the native build's")
        return 0
    except (Failure, OSError, subprocess.CalledProcessError) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        if page:
            try:
                with open(os.path.join(args.out, "failure.png"), "wb") as f:
                    f.write(base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"]))
                print(f"the page at the failure: {args.out}/failure.png", file=sys.stderr)
            except (Failure, OSError):
                pass
        if page and page.console:
            print("the page's console (last 30 lines):\n  " + "\n  ".join(page.console[-30:]), file=sys.stderr)
        return 1
    finally:
        for browser in (process, phone_process):
            if browser:
                try:
                    os.killpg(browser.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                browser.wait()
        shutil.rmtree(user_data, ignore_errors=True)
        shutil.rmtree(phone_data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
