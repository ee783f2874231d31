#!/usr/bin/env python3
"""The interactive page of `tsne --html` in a real browser (issue 21).

    page_test.py TSNE DATA_DIR               the test (run by ctest as page_test)
    page_test.py --screenshot OUT.png PAGE.html [--hover I] [--size WxH]
    page_test.py --measure PAGE.html [--runs R]

The test builds a page with the tsne program from the bundled digits (labels, images, snapshots)
and opens it in headless Chromium (Debian's `chromium`), driven over the Chrome DevTools Protocol
through a pipe (--remote-debugging-pipe: fds 3 and 4, NUL-separated JSON). Python's standard
library only; nothing is downloaded. It checks: no console error, exception or failed
resource; no request but the page itself; the canvas is not blank; the point under the mouse is
the one the page says is there and sits where the embedding written by --output puts it; its
tooltip shows its index, label and exactly its image's pixels; wheel zoom and the snapshot slider
change what is drawn; hiding a class in the legend removes its colour from the canvas; the file
has no http:// or https:// in it; and the command line refuses an unwritable --html path (exit 3).
The image atlases come after the page's script in the file, so the page is ready before they are
parsed: a copy of the page whose atlases are held back (renamed, their "tsne-images" event
removed) must be ready, show "image loading" in a hovered point's tooltip without error, and draw
exactly the image once the test releases them and fires the event as the page's own script would.

Without Chromium the test is skipped (exit 77). Every wait is bounded: a hung browser fails it.
--screenshot writes a PNG of a page with a point's tooltip shown (the gallery's picture);
--measure prints the file size, the time from navigation start until the page is ready, until
the images have been parsed, and until all atlases are decoded (in the background), and how soon
a hover made as soon as the page is ready shows its tooltip and its image.
"""
import base64
import csv
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Headless Chromium driven over --remote-debugging-pipe."""

    def __init__(self, exe, width=1200, height=800, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="tsne-page-test-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def child_fds():  # the browser reads commands on fd 3 and writes answers on fd 4
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height), "about:blank"]
        # close_fds=False: the pipes are close-on-exec (os.pipe), only the dup2'd 3 and 4 are inherited.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=child_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the browser did not answer in time")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed its DevTools pipe (exit status %s)" % self.proc.poll())
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, timeout=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def pump(self, seconds):
        """Collects events for a while."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                m = self._read_message(deadline)
                if "method" in m:
                    self.events.append(m)
        except TimeoutError:
            pass

    def open_tab(self, width, height):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def eval(self, expr, timeout=None):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluating %s: %s" % (expr[:80], r["exceptionDetails"]))
        return r["result"].get("value")

    def wait_for(self, expr, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.eval(expr):
                return True
            time.sleep(0.05)
        return False

    def mouse(self, kind, x, y, **extra):
        p = {"type": kind, "x": x, "y": y}
        p.update(extra)
        self.send("Input.dispatchMouseEvent", p)


def open_page(browser, path, width=1200, height=800, timeout=30.0, new_tab=True):
    if new_tab:
        browser.open_tab(width, height)
    url = "file://" + os.path.abspath(path)
    browser.send("Page.navigate", {"url": url})
    if not browser.wait_for("location.href === %s && !!(window.tsnePage && window.tsnePage.ready)" % json.dumps(url),
                            timeout):
        raise AssertionError("the page did not become ready within %g s" % timeout)
    return url


ARRIVED = b'<script>document.dispatchEvent(new Event("tsne-images"));</script>'


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(("ok     " if ok else "FAILED ") + what, flush=True)
        if not ok:
            self.failures += 1
        return ok


def canvas_pixels_expr():
    # A summary of the plot canvas: non-white pixel count, a hash, and the set of colours drawn.
    return """(function () {
      var c = document.getElementById('plot'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      var n = 0, h = 0, colours = {};
      for (var i = 0; i < d.length; i += 4) {
        var v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        h = (Math.imul(h, 31) + v) | 0;
        if (v !== 0xFFFFFF) { ++n; colours[v] = 1; }
      }
      return {nonwhite: n, hash: h, colours: Object.keys(colours).map(Number)};
    })()"""


def settle(browser):
    # Two animation frames: the page redraws in requestAnimationFrame.
    browser.eval("new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); })")


def run_test(tsne, data_dir):
    chromium = find_chromium()
    if not chromium:
        print("page_test: SKIPPED: no Chromium found (Debian: apt-get install chromium); the page is not tested")
        return SKIP
    checks = Checks()
    work = tempfile.mkdtemp(prefix="tsne-page-")
    try:
        with open(os.path.join(data_dir, "digits.csv")) as f:
            digits = [[float(v) for v in row] for row in csv.reader(f) if row and row[0].strip()[:1] not in ("", "#")
                      and not row[0].strip()[0].isalpha()]
        with open(os.path.join(data_dir, "digits_labels.csv")) as f:
            labels = [int(float(l)) for l in (line.strip() for line in f) if l and not l[0].isalpha()]
        n = len(digits)
        # The images: the rows as 8x8 pictures (--image-shape 8,8); data >= 0 is scaled so that its
        # largest value (16) becomes 255, rounded half away from zero.
        top = max(max(row) for row in digits)
        images = [[int(math.floor(v * (255 / top) + 0.5)) for v in row] for row in digits]
        page = os.path.join(work, "digits.html")
        out_csv = os.path.join(work, "digits.csv")
        cmd = [tsne, "--input", os.path.join(data_dir, "digits.csv"), "--labels", os.path.join(data_dir, "digits_labels.csv"),
               "--image-shape", "8,8", "--html", page, "--output", out_csv, "--snapshots", "25", "--iterations", "300",
               "--quiet"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if not checks.check(r.returncode == 0 and os.path.exists(page), "tsne --html writes the page (%s)" % r.stderr.strip()):
            return 1
        with open(out_csv) as f:
            Y = [[float(v) for v in row] for row in csv.reader(f) if row]
        raw = open(page, "rb").read()
        checks.check(b"http://" not in raw and b"https://" not in raw, "the page has no http:// or https:// in it")
        script_at, atlas_at = raw.find(b"window.tsnePage ="), raw.find(b'<script class="tsne-atlas"')
        checks.check(raw.find(b'<script class="tsne-blob"') < script_at < atlas_at < raw.find(ARRIVED)
                     and raw.count(ARRIVED) == 1 and script_at > 0,
                     "the points come before the page's script, the image atlases after it, then their event")
        held = os.path.join(work, "held.html")  # the page as it is while the browser still parses its images
        with open(held, "wb") as f:
            f.write(raw.replace(b'<script class="tsne-atlas"', b'<script class="tsne-held"').replace(ARRIVED, b""))
        checks.check(len(raw) < 2 * 1024 * 1024, "the digits page is small (%d bytes)" % len(raw))

        # The command line: an HTML path that cannot be written fails before the work (exit 3).
        bad = os.path.join(work, "no-such-dir", "map.html")
        r = subprocess.run([tsne, "--input", os.path.join(data_dir, "digits.csv"), "--html", bad, "--quiet"],
                           capture_output=True, text=True, timeout=60)
        checks.check(r.returncode == 3 and "--html" in r.stderr and bad in r.stderr and r.stderr.count("\n") == 1,
                     "an unwritable --html path: exit 3 naming --html and the path (%d: %s)" % (r.returncode, r.stderr.strip()))
        r = subprocess.run([tsne, "--input", os.path.join(data_dir, "digits.csv"), "--html", os.path.join(work, "x.html"),
                            "--dims", "1", "--quiet"], capture_output=True, text=True, timeout=60)
        checks.check(r.returncode == 2 and "--html needs --dims 2 or 3" in r.stderr, "--html with --dims 1: exit 2")

        browser = Browser(chromium)
        try:
            url = open_page(browser, page)
            settle(browser)
            browser.pump(0.3)
            api = browser.eval("({n: tsnePage.n, frames: tsnePage.frames(), frame: tsnePage.frame(), zoom: tsnePage.zoom()})")
            checks.check(api["n"] == n, "the page holds %d points" % api["n"])
            checks.check(api["frames"] == 300 // 25 + 2 and api["frame"] == api["frames"] - 1,
                         "the slider has the snapshots and the final embedding, at the end (%d positions)" % api["frames"])
            before = browser.eval(canvas_pixels_expr())
            checks.check(before["nonwhite"] > 5000, "the canvas is not blank (%d drawn pixels)" % before["nonwhite"])

            # The page's coordinates are the embedding --output wrote (float32).
            diffs = browser.eval("(function () { var m = 0, Y = %s; for (var i = 0; i < Y.length; ++i) {"
                                 " var p = tsnePage.dataPosition(Y[i][0]); m = Math.max(m, Math.abs(p[0] - Y[i][1]),"
                                 " Math.abs(p[1] - Y[i][2])); } return m; })()"
                                 % json.dumps([[i, Y[i][0], Y[i][1]] for i in range(0, n, 7)]))
            scale = max(max(abs(v) for v in row) for row in Y)
            checks.check(diffs <= 1e-5 * scale, "the page's coordinates equal --output's (max difference %g)" % diffs)

            # A point far from its neighbours, so the mouse finds it and nothing else.
            def nn_dist(i):
                return min((Y[i][0] - Y[j][0]) ** 2 + (Y[i][1] - Y[j][1]) ** 2 for j in range(n) if j != i)
            target = max(range(0, n, 9), key=nn_dist)
            # Screen positions are an affine image of the embedding: same scale on both axes, y up.
            pos = {i: browser.eval("tsnePage.screenPosition(%d)" % i) for i in (target, 0, 1, 2)}
            sx = (pos[1][0] - pos[0][0]) / (Y[1][0] - Y[0][0])
            pred = [pos[0][0] + (Y[2][0] - Y[0][0]) * sx, pos[0][1] - (Y[2][1] - Y[0][1]) * sx]
            checks.check(abs(pred[0] - pos[2][0]) < 0.5 and abs(pred[1] - pos[2][1]) < 0.5 and sx > 0,
                         "screen positions follow the embedding (point 2 at %s, predicted %s)" % (pos[2], pred))
            x, y = pos[target]
            browser.mouse("mouseMoved", x, y)
            settle(browser)
            browser.wait_for("!!document.querySelector('#tip canvas[data-drawn]')", 10)
            tip = browser.eval("({hover: tsnePage.hover(), text: document.getElementById('tip').textContent,"
                               " shown: getComputedStyle(document.getElementById('tip')).display})")
            checks.check(tip["hover"] == target and tip["shown"] == "block",
                         "hovering point %d finds it (%s)" % (target, tip["hover"]))
            want = "#%d" % target
            checks.check(tip["text"].startswith(want) and ("label %d" % labels[target]) in tip["text"],
                         "the tooltip shows its index and label (%r)" % tip["text"][:60])

            def check_tip_image(when):
                img = browser.eval("""(function () {
                  var c = document.querySelector('#tip canvas');
                  if (!c) return null;
                  return {w: c.width, h: c.height, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)};
                })()""")
                if checks.check(img is not None and img["w"] % 8 == 0 and img["w"] == img["h"],
                                "the tooltip shows an image%s (%s)" % (when, img and "%dx%d" % (img["w"], img["h"]))):
                    s = img["w"] // 8
                    bad_px = 0
                    for yy in range(img["h"]):
                        for xx in range(img["w"]):
                            v = images[target][(yy // s) * 8 + xx // s]
                            p = img["px"][4 * (yy * img["w"] + xx): 4 * (yy * img["w"] + xx) + 4]
                            if p != [v, v, v, 255]:
                                bad_px += 1
                    checks.check(bad_px == 0, "the tooltip image is point %d's image, %dx enlarged (%d pixels differ)"
                                 % (target, s, bad_px))
            check_tip_image("")
            # A click pins it: the tooltip stays when the mouse leaves.
            browser.mouse("mousePressed", x, y, button="left", clickCount=1)
            browser.mouse("mouseReleased", x, y, button="left", clickCount=1)
            browser.mouse("mouseMoved", x + 200, y + 200)
            settle(browser)
            pinned = browser.eval("[tsnePage.pinned(), document.getElementById('tip').textContent]")
            checks.check(pinned[0] == target and pinned[1].startswith(want), "a click pins point %d's tooltip" % target)
            browser.eval("dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
            # Another point, to make sure the tooltip follows the mouse.
            other = max((i for i in range(1, n, 9) if labels[i] != labels[target]), key=nn_dist)
            ox, oy = browser.eval("tsnePage.screenPosition(%d)" % other)
            browser.mouse("mouseMoved", ox, oy)
            settle(browser)
            text = browser.eval("document.getElementById('tip').textContent")
            checks.check(text.startswith("#%d" % other) and ("label %d" % labels[other]) in text,
                         "hovering point %d shows its tooltip instead (%r)" % (other, text[:40]))
            browser.mouse("mouseMoved", 5, 5)  # off the canvas' points: the side bar

            # Wheel zoom about the canvas centre.
            base = browser.eval(canvas_pixels_expr())
            cx, cy = browser.eval("(function () { var r = document.getElementById('plot').getBoundingClientRect();"
                                  " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
            browser.mouse("mouseWheel", cx, cy, deltaX=0, deltaY=-400)
            settle(browser)
            zoomed = browser.eval(canvas_pixels_expr())
            z = browser.eval("tsnePage.zoom()")
            checks.check(z > 1.5 and zoomed["hash"] != base["hash"], "wheel zoom changes the scale (%.2f) and the pixels" % z)
            browser.eval("document.getElementById('zreset').click()")
            settle(browser)
            # A drag pans.
            browser.mouse("mousePressed", cx, cy, button="left", clickCount=1)
            browser.mouse("mouseMoved", cx + 60, cy + 30, button="left", buttons=1)
            browser.mouse("mouseMoved", cx + 120, cy + 60, button="left", buttons=1)
            browser.mouse("mouseReleased", cx + 120, cy + 60, button="left", clickCount=1)
            settle(browser)
            moved = browser.eval("tsnePage.screenPosition(0)")
            checks.check(abs(moved[0] - pos[0][0] - 120) < 1 and abs(moved[1] - pos[0][1] - 60) < 1,
                         "a drag of (120, 60) pixels moves the points by as much")
            browser.eval("document.getElementById('zreset').click()")
            settle(browser)

            # The snapshot slider, moved to the first frame.
            browser.eval("(function () { var s = document.getElementById('slider'); s.value = 0;"
                         " s.dispatchEvent(new Event('input')); })()")
            settle(browser)
            first = browser.eval(canvas_pixels_expr())
            info = browser.eval("document.getElementById('frameinfo').textContent")
            checks.check(browser.eval("tsnePage.frame()") == 0 and first["hash"] != base["hash"] and first["nonwhite"] > 1000,
                         "the slider at frame 0 draws that snapshot (%r)" % info)
            browser.eval("(function () { var s = document.getElementById('slider'); s.value = s.max;"
                         " s.dispatchEvent(new Event('input')); })()")
            settle(browser)
            back = browser.eval(canvas_pixels_expr())
            checks.check(back["hash"] == base["hash"], "the slider back at the end draws the final embedding again")

            # Play replays the snapshots from the first and stops at the last.
            browser.eval("document.getElementById('play').click()")
            mid = browser.wait_for("tsnePage.frame() > 0 && tsnePage.frame() < tsnePage.frames() - 1", 5)
            end = browser.wait_for("tsnePage.frame() === tsnePage.frames() - 1 && "
                                   "document.getElementById('play').textContent === 'Play'", 10)
            checks.check(mid and end, "the play button replays the snapshots and stops at the final embedding")
            settle(browser)

            # Hiding a class with a click on its legend entry removes its colour from the canvas.
            colour0 = browser.eval("(function () { var s = document.querySelector('#legend .item .sw');"
                                   " var m = getComputedStyle(s).backgroundColor.match(/\\d+/g).map(Number);"
                                   " return (m[0] << 16) | (m[1] << 8) | m[2]; })()")
            lx, ly = browser.eval("(function () { var r = document.querySelector('#legend .item').getBoundingClientRect();"
                                  " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
            browser.mouse("mousePressed", lx, ly, button="left", clickCount=1)
            browser.mouse("mouseReleased", lx, ly, button="left", clickCount=1)
            settle(browser)
            hid = browser.eval(canvas_pixels_expr())
            off = browser.eval("document.querySelector('#legend .item').className")
            checks.check(colour0 in back["colours"] and colour0 not in hid["colours"] and "off" in off
                         and hid["nonwhite"] < back["nonwhite"],
                         "hiding the first class in the legend removes its colour (#%06x) from the canvas" % colour0)

            # The page before its images have been parsed: ready, the tooltip says the image is
            # loading, and draws it when the atlases arrive.
            held_url = open_page(browser, held, new_tab=False)
            settle(browser)
            x, y = browser.eval("tsnePage.screenPosition(%d)" % target)
            browser.mouse("mouseMoved", x, y)
            settle(browser)
            browser.pump(0.3)
            early = browser.eval("({hover: tsnePage.hover(), arrived: tsnePage.imagesArrived, text: "
                                 "document.getElementById('tip').textContent, "
                                 "drawn: !!document.querySelector('#tip canvas[data-drawn]')})")
            checks.check(early["hover"] == target and not early["arrived"] and not early["drawn"]
                         and early["text"].startswith(want) and "image loading\u2026" in early["text"],
                         "before the images are parsed, hovering point %d says its image is loading (%r)"
                         % (target, early["text"][:60]))
            browser.eval("(function () { var h = document.querySelectorAll('script.tsne-held');"
                         " for (var i = 0; i < h.length; ++i) h[i].className = 'tsne-atlas';"
                         " document.dispatchEvent(new Event('tsne-images')); })()")
            late = browser.wait_for("!!document.querySelector('#tip canvas[data-drawn]')", 10)
            text = browser.eval("document.getElementById('tip').textContent")
            checks.check(late and browser.eval("tsnePage.imagesArrived") and "loading" not in text,
                         "when they arrive, the tooltip draws the image (%r)" % text[:60])
            check_tip_image(" after the late images")
            all_decoded = browser.wait_for("tsnePage.imagesDecoded", 10)
            checks.check(all_decoded, "then all atlases are decoded in the background")

            browser.pump(0.3)
            errors, requests = [], []
            for e in browser.events:
                m, p = e["method"], e.get("params", {})
                if m == "Runtime.exceptionThrown":
                    errors.append("exception: %s" % p["exceptionDetails"].get("exception", {}).get("description", p))
                elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                    errors.append("console.%s: %s" % (p["type"], [a.get("value") for a in p.get("args", [])]))
                elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                    errors.append("log: %s" % p["entry"].get("text"))
                elif m == "Network.loadingFailed":
                    errors.append("failed load: %s" % p.get("errorText"))
                elif m == "Network.requestWillBeSent":
                    u = p["request"]["url"]
                    if u not in (url, held_url) and not u.startswith(("data:", "blob:")):
                        requests.append(u)
            checks.check(not errors, "no console error, exception or failed load %s" % (errors[:3] or ""))
            checks.check(not requests, "no request but the page itself %s" % (requests[:3] or ""))
        finally:
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("page_test: %s" % ("all checks passed" if not checks.failures else "%d checks FAILED" % checks.failures))
    return 1 if checks.failures else 0


def screenshot(out, page, hover, size):
    chromium = find_chromium()
    if not chromium:
        sys.exit("page_test: no Chromium found (Debian: apt-get install chromium)")
    w, h = (int(v) for v in size.split("x"))
    browser = Browser(chromium, w, h, timeout=60)
    try:
        open_page(browser, page, w, h, timeout=60)
        settle(browser)
        if hover is not None:
            x, y = browser.eval("tsnePage.screenPosition(%d)" % hover)
            browser.mouse("mousePressed", x, y, button="left", clickCount=1)
            browser.mouse("mouseReleased", x, y, button="left", clickCount=1)
            browser.wait_for("!document.querySelector('#tip canvas') || !!document.querySelector('#tip canvas[data-drawn]')", 30)
            settle(browser)
        png = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"})["data"])
        with open(out, "wb") as f:
            f.write(png)
    finally:
        browser.close()


def measure(page, runs):
    chromium = find_chromium()
    if not chromium:
        sys.exit("page_test: no Chromium found (Debian: apt-get install chromium)")
    size = os.path.getsize(page)
    for _ in range(runs):
        browser = Browser(chromium, timeout=120)
        try:
            t0 = time.monotonic()
            browser.open_tab(1200, 800)  # the browser's start-up
            t1 = time.monotonic()
            open_page(browser, page, timeout=120, new_tab=False)
            t2 = time.monotonic()
            ready = browser.eval("tsnePage.readyTime")
            # At once a hover on the first point with an image: how soon the tooltip shows (the
            # page answers while the browser may still be parsing the images), then its image.
            point = browser.eval("(function () { var m = JSON.parse(document.getElementById('tsne-meta').textContent);"
                                 " return m.images ? 0 : -1; })()")
            hover = ""
            if point == 0:
                x, y = browser.eval("tsnePage.screenPosition(0)")
                th = time.monotonic()
                browser.mouse("mouseMoved", x, y)
                shown = browser.wait_for("tsnePage.hover() >= 0 && getComputedStyle(document.getElementById('tip'))"
                                         ".display === 'block'", 60)
                t_tip = time.monotonic() - th
                early = browser.eval("tsnePage.imagesArrived === false")  # (undefined: a page without the notion)
                drawn = browser.wait_for("!!document.querySelector('#tip canvas[data-drawn]')", 120)
                t_img = time.monotonic() - th
                hover = (" a hover at once: tooltip in %.2f s%s, its image in %.2f s;"
                         % (t_tip, " (before the images were parsed)" if early else "", t_img)
                         if shown and drawn else " a hover at once: FAILED (tooltip %s, image %s);" % (shown, drawn))
            browser.wait_for("tsnePage.imagesDecoded", 120)
            images = browser.eval("performance.now()")
            t = browser.eval("tsnePage.timings")
            print("%s: %.1f MB (%d bytes); ready (map drawn, interactive) %.2f s after navigation start (%.2f s "
                  "wall from the navigate command, after %.2f s starting the browser); parsed %.2f s, data decoded "
                  "%.2f s;%s%s all image atlases decoded (background) by %.2f s"
                  % (page, size / 1e6, size, ready / 1000, t2 - t1, t1 - t0, t["script"] / 1000, t["blob"] / 1000,
                     " images parsed %.2f s;" % (t["images"] / 1000) if "images" in t else "", hover, images / 1000)
                  + ("; reading the atlases' text into bytes took %.0f ms of main thread, at most %.0f ms at a time"
                     % (t["atlasReadTotal"], t["atlasReadMax"]) if "atlasReadTotal" in t else ""),
                  flush=True)
        finally:
            browser.close()


def main(argv):
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("page_test: overall time limit")))
    if argv[:1] == ["--screenshot"]:
        signal.alarm(300)
        hover, size = None, "1400x900"
        rest = argv[3:]
        while rest:
            if rest[0] == "--hover":
                hover = int(rest[1])
            elif rest[0] == "--size":
                size = rest[1]
            rest = rest[2:]
        screenshot(argv[1], argv[2], hover, size)
        return 0
    if argv[:1] == ["--measure"]:
        signal.alarm(900)
        measure(argv[1], int(argv[3]) if argv[2:3] == ["--runs"] else 1)
        return 0
    if len(argv) != 2:
        sys.exit(__doc__)
    signal.alarm(240)
    return run_test(argv[0], argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
