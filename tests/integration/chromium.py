"""chromium.py: headless Chromium for the report tests: a throw-away profile, a proxy that sees every
request and forwards none, console messages collected, killed on timeout; and a small PNG reader."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import zlib

CHROMIUM = os.environ.get("MS_CHROMIUM", "/usr/bin/chromium")

# Chromium's own background services (component updates, network time, sign-in). They are not the
# page's doing; they reach the proxy like everything else and are never forwarded.
BROWSER_HOSTS = ("update.googleapis.com", "clients2.google.com", "clients1.google.com",
                 "accounts.google.com", "redirector.gvt1.com", "safebrowsing.googleapis.com",
                 "optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com")

QUIET = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-first-run",
         "--no-default-browser-check", "--disable-domain-reliability", "--no-pings",
         "--disable-client-side-phishing-detection", "--metrics-recording-only", "--mute-audio",
         "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
         "AutofillServerCommunication,CertificateTransparencyComponentUpdater"]

CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(.*)", source: (.*)$')


class Proxy:
    """An HTTP proxy on 127.0.0.1 that records the first line of every request and closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                line = conn.recv(512).split(b"\r\n")[0].decode("latin-1")
            except OSError:
                line = "(nothing read)"
            self.requests.append(line)
            conn.close()

    def page_requests(self):
        """Requests that are not Chromium's own services: what the page tried to load."""
        def host(line):
            m = re.match(r"\S+ (?:https?://)?([^/:\s]+)", line)
            return m.group(1) if m else ""
        return [r for r in self.requests if host(r) not in BROWSER_HOSTS]

    def close(self):
        self.sock.close()


def run(args, proxy, timeout=120):
    """Runs headless Chromium with `args` (a URL last); returns (returncode or None on timeout,
    stdout, console messages). Profile, cache and crash dumps live in a temporary directory,
    removed afterwards; on timeout the whole process group is killed."""
    tmp = tempfile.mkdtemp(prefix="ms-chromium-")
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", f"--user-data-dir={tmp}/profile",
           f"--disk-cache-dir={tmp}/cache", f"--crash-dumps-dir={tmp}/crash", *QUIET,
           f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
           "--enable-logging=stderr", "--v=0", *args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="replace", env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    console = [m.group(1) + " (" + m.group(2) + ")" for m in map(CONSOLE.search, err.splitlines())
               if m]
    return rc, out, console


def png_rows(path):
    """Yields (width, bytes per pixel, row) for each row of an 8-bit RGB or RGBA, non-interlaced
    PNG, decoded as needed (a caller that has seen enough stops early: pure Python is slow)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, head = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + n])
        elif kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + n])
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    stride, raw, prev = w * bpp, zlib.decompressobj(), bytearray(w * bpp)
    chunks, buf = iter(idat), b""
    for _ in range(h):
        while len(buf) < stride + 1:
            buf += raw.decompress(next(chunks, b"")) or raw.flush()
        ftype, line, buf = buf[0], bytearray(buf[1:stride + 1]), buf[stride + 1:]
        unfilter(ftype, line, prev, bpp)
        yield w, bpp, line
        prev = line


def unfilter(ftype, line, prev, bpp):
    """Undoes PNG filter `ftype` on `line` in place (PNG spec, section 9)."""
    if ftype == 2:
        line[:] = bytes((x + y) & 255 for x, y in zip(line, prev))
        return
    for i in range(len(line) if ftype in (1, 3, 4) else 0):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if ftype == 1:
            line[i] = (line[i] + a) & 255
        elif ftype == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


def png_size(path):
    """(width, height) from the PNG's IHDR."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", head[16:24])


def find_colour(path, rgb, want, tolerance=24):
    """Whether at least `want` pixels of the PNG at `path` are within `tolerance` of `rgb`
    (decoding stops as soon as they are found)."""
    n = 0
    for w, bpp, line in png_rows(path):
        for x in range(0, w * bpp, bpp):
            if (abs(line[x] - rgb[0]) <= tolerance and abs(line[x + 1] - rgb[1]) <= tolerance
                    and abs(line[x + 2] - rgb[2]) <= tolerance):
                n += 1
        if n >= want:
            return True
    return False
