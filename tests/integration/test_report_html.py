#!/usr/bin/env python3
"""test_report_html.py: the HTML report rendered in headless Chromium.

  test_report_html.py MTASCOPE WORLD WORK SAMPLE

1. The pages: the world is scanned as test_sts_stage.py scans it and `mtascope report SCAN --out
   WORK/report.html --format html` writes the real report; SAMPLE (ms-report-sample) writes a
   hand-built one with what one scan cannot show: a stacked bar chart, a trend line chart, an
   empty table and hostile text. Each page goes through 2-4.
2. The file itself: its tags nest (Python's HTML parser, independent of the writer's unit test),
   it names nothing to fetch (no URL, src, url(), @import, <link>), and a Content-Security-Policy
   of default-src 'none' is its first element after the charset.
3. A copy with a check script added before </body> (admitted by adding its hash to the policy) is
   loaded with --dump-dom; the script records in <html data-*>: every chart has a size, every mark
   of a value above zero has a box of non-zero size, no NaN; no resource was loaded (Resource
   Timing); a click on a numeric column heading sorts the rows descending, a second ascending.
4. The file as written is rendered to WORK/<page>.png (window as tall as the page, capped), the
   path printed for CI to keep. Chromium runs in a temporary profile, behind a proxy on 127.0.0.1
   that records every request and forwards none (nothing leaves the machine), with console
   messages on stderr. Fails on any console message (script error, refused load), on any request
   that is not Chromium's own background service, on a missing or wrong-sized screenshot, and when
   no pixel of the charts' first colour is on it. It is also printed to WORK/<page>.pdf (the
   print style sheet): no console message, and a PDF of 1 to 2 + 2 x tables pages. A copy whose
   policy admits no script (as with scripting off) still shows the charts' colour.
Chromium missing: exit 77 (skipped), saying so. Prints "test_report_html: N passed, M failed".
"""
import base64
import hashlib
import html.parser
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium  # noqa: E402
from common import check, finish, run, scan_cmd, world_env  # noqa: E402

WIDTH = 1280
MAX_HEIGHT = 12000
CHART_BLUE = (0x00, 0x72, 0xB2)  # the first colour of analysis/svg.c's palette

CHECK_JS = r"""
(function(){
var bad=[],n=0,shown=0,d=document.documentElement;
document.querySelectorAll('svg.chart').forEach(function(svg){
  n++;var name=svg.getAttribute('aria-label')||('chart '+n),r=svg.getBoundingClientRect();
  var marks=svg.querySelectorAll('.mark'),vis=0;
  if(!(r.width>0&&r.height>0))bad.push(name+': no size');
  if(!marks.length)bad.push(name+': no marks');
  marks.forEach(function(m){var v=parseFloat(m.getAttribute('data-v')),b=m.getBBox();
    if(isNaN(v))bad.push(name+': a mark without a value');
    else if(v>0&&!(b.width>0&&b.height>0))bad.push(name+': value '+v+' drawn with no size');
    else if(v>0)vis++;});
  if(vis>0)shown++;
  if(/NaN|Infinity/.test(svg.outerHTML))bad.push(name+': NaN in the markup');
});
var res=performance.getEntriesByType('resource').map(function(e){return e.name;});
if(res.length)bad.push('resources loaded: '+res.join(' '));
function col(b,c){return Array.prototype.map.call(b.rows,function(r){
  return parseFloat(r.cells[c].getAttribute('data-v'));}).filter(function(x){return !isNaN(x);});}
var sorted='no numeric column',ts=document.querySelectorAll('table.sortable');
for(var i=0;i<ts.length&&sorted==='no numeric column';i++){
  var b=ts[i].tBodies[0],hs=ts[i].tHead.rows[0].cells;
  if(b.rows.length<3)continue;
  for(var c=1;c<hs.length;c++){
    var v0=col(b,c);
    if(v0.length<3||v0.every(function(x){return x===v0[0];}))continue;
    hs[c].click();var down=col(b,c);hs[c].click();var up=col(b,c);
    var ok=down.every(function(x,k){return k===0||down[k-1]>=x;})&&
           up.every(function(x,k){return k===0||up[k-1]<=x;})&&
           hs[c].getAttribute('aria-sort')==='ascending';
    sorted=(ok?'ok':'wrong')+' ('+hs[c].textContent+')';break;}
}
d.setAttribute('data-charts',String(n));d.setAttribute('data-charts-drawn',String(shown));
d.setAttribute('data-tables',String(ts.length));d.setAttribute('data-sort',sorted);
d.setAttribute('data-height',String(d.scrollHeight));d.setAttribute('data-problems',bad.join(' | '));
d.setAttribute('data-check','done');
})();
"""


class Nesting(html.parser.HTMLParser):
    """Checks that tags close in order (HTML void elements and SVG "/>" tags excepted)."""
    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'} at {self.getpos()}")
        else:
            self.stack.pop()


def make_pages(mtascope, world, work, sample):
    """Writes WORK/report.html (mtascope report over a scan of the world) and WORK/sample.html."""
    env = world_env(world)
    out, page = os.path.join(work, "scan"), os.path.join(work, "report.html")
    r = run(scan_cmd(mtascope, world, out, os.path.join(world, "domains.txt"), "--allow-private",
                     "--ca-file", os.path.join(world, "pki", "ca.pem"),
                     "--smtp-port", env["WORLD_SMTP_PORT"], "--https-port", env["WORLD_HTTPS_PORT"],
                     "--smtp-timeout", "3000"))
    check(r.returncode == 0, f"scan exits 0 ({r.stderr[-400:]})")
    r = run([mtascope, "report", out, "--out", page, "--format", "html"])
    check(r.returncode == 0, f"mtascope report --format html exits 0 ({r.stderr[-400:]})")
    r = run([sample, os.path.join(work, "sample.html")])
    check(r.returncode == 0, f"ms-report-sample writes its page ({r.stderr[-300:]})")
    return [p for p in (page, os.path.join(work, "sample.html")) if os.path.exists(p)]


def check_file(name, text):
    p = Nesting()
    p.feed(text)
    p.close()
    check(not p.errors and not p.stack, f"{name}: tags nest ({p.errors[:3]}, unclosed {p.stack[-3:]})")
    check(text.startswith("<!DOCTYPE html>"), f"{name}: starts with <!DOCTYPE html>")
    check(p.tags.get("script") == 1, f"{name}: one script, ours ({p.tags.get('script')})")
    head = text[:text.find("<style>")]
    check(re.search(r'<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy" '
                    r"content=\"default-src 'none';", head) is not None,
          f"{name}: a default-src 'none' policy right after the charset")
    for bad in ("http://", "https://", " src=", "url(", "@import", "<link", "<iframe", "<img"):
        check(bad not in text, f"{name}: nothing to fetch: no {bad!r} in the page")
    check(p.tags.get("table", 0) > 0 and p.tags.get("svg", 0) > 0,
          f"{name}: tables ({p.tags.get('table')}) and charts ({p.tags.get('svg')})")
    check("<h2>Methodology</h2>" in text and "<dt>" in text, f"{name}: a methodology section with facts")
    return p.tags


def with_check(text):
    """The page with CHECK_JS before </body> and its hash in the policy's script-src."""
    digest = base64.b64encode(hashlib.sha256(CHECK_JS.encode()).digest()).decode()
    check("script-src 'sha256-" in text, "the policy lists the page's script by hash")
    text = text.replace("script-src ", f"script-src 'sha256-{digest}' ", 1)
    return text.replace("</body>", f"<script>{CHECK_JS}</script>\n</body>", 1)


def check_dom(page, text, tags, proxy):
    copy = page[:-len(".html")] + "-check.html"
    with open(copy, "w") as f:
        f.write(with_check(text))
    rc, dom, console = chromium.run(["--dump-dom", "--virtual-time-budget=5000",
                                     "file://" + copy], proxy)
    check(rc == 0, f"chromium --dump-dom exits 0 (rc {rc})")
    check(not console, f"no console messages while checking: {console[:5]}")
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', dom[:dom.find(">", dom.find("<html"))]))
    check(attrs.get("check") == "done", f"the check script ran ({attrs})")
    print(f"test_report_html: {os.path.basename(page)}: DOM check: {attrs}")
    check(attrs.get("problems") == "", f"every chart drawn: {attrs.get('problems')}")
    check(attrs.get("charts") == str(tags.get("svg", 0)), "every chart was measured")
    check(int(attrs.get("charts-drawn", "0")) > 0, "at least one chart draws values above zero")
    check(attrs.get("tables") == str(tags.get("table", 0)), "every table is sortable")
    check(attrs.get("sort", "").startswith("ok"), f"a click sorts a column: {attrs.get('sort')}")
    return min(int(attrs.get("height", "2000") or 2000) + 40, MAX_HEIGHT)


def check_screenshot(page, height, proxy):
    png = page[:-len(".html")] + ".png"
    rc, _, console = chromium.run([f"--screenshot={png}", f"--window-size={WIDTH},{height}",
                                   "--hide-scrollbars", "file://" + page], proxy)
    check(rc == 0, f"chromium --screenshot exits 0 (rc {rc})")
    check(not console, f"no console messages (script errors, refused loads): {console[:5]}")
    check(os.path.exists(png), "a screenshot was written")
    if not os.path.exists(png):
        return
    check(chromium.png_size(png) == (WIDTH, height),
          f"the screenshot is {WIDTH}x{height} ({chromium.png_size(png)})")
    check(chromium.find_colour(png, CHART_BLUE, 200), "the charts' colour is on the screenshot")
    print(f"test_report_html: screenshot: {png}")


def check_without_js(page, text, proxy):
    """Without its script (a copy whose policy admits no script, as a browser with scripting off)
    the charts are still there: they are SVG in the file, not drawn by script."""
    copy, png = page[:-len(".html")] + "-nojs.html", page[:-len(".html")] + "-nojs.png"
    with open(copy, "w") as f:
        f.write(re.sub(r"script-src [^;\"]*", "script-src 'none'", text, count=1))
    rc, _, console = chromium.run([f"--screenshot={png}", f"--window-size={WIDTH},3000",
                                   "file://" + copy], proxy)
    check(rc == 0 and os.path.exists(png), f"a screenshot without the script (rc {rc})")
    check(len(console) == 1 and "script" in console[0],
          f"the only console message is the refused script: {console[:5]}")
    if os.path.exists(png):
        check(chromium.find_colour(png, CHART_BLUE, 200), "charts drawn without the script")


def check_print(page, tables, proxy):
    """Prints the page to PDF as a browser would (print style sheet): a PDF of a sane length."""
    pdf = page[:-len(".html")] + ".pdf"
    rc, _, console = chromium.run([f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                                   "file://" + page], proxy)
    check(rc == 0 and os.path.exists(pdf), f"chromium --print-to-pdf writes {pdf} (rc {rc})")
    check(not console, f"no console messages while printing: {console[:5]}")
    if os.path.exists(pdf):
        with open(pdf, "rb") as f:
            data = f.read()
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        check(data.startswith(b"%PDF-") and 1 <= pages <= 2 + 2 * tables,
              f"{os.path.basename(pdf)}: {pages} pages for {tables} tables")
        print(f"test_report_html: printed: {pdf} ({pages} pages)")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: test_report_html.py MTASCOPE WORLD WORK SAMPLE")
    mtascope, world, work, sample = sys.argv[1:]
    if not os.access(chromium.CHROMIUM, os.X_OK):
        print(f"test_report_html: skipped: no {chromium.CHROMIUM} (Debian package chromium; "
              "scripts/bootstrap.sh installs it)")
        sys.exit(77)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pages = make_pages(mtascope, world, work, sample)
    proxy = chromium.Proxy()
    try:
        for page in pages:
            with open(page, encoding="utf-8") as f:
                text = f.read()
            tags = check_file(os.path.basename(page), text)
            height = check_dom(page, text, tags, proxy)
            check_screenshot(page, height, proxy)
            check_print(page, tags.get("table", 0), proxy)
            check_without_js(page, text, proxy)
    finally:
        proxy.close()
    check(len(pages) == 2, f"both pages rendered ({pages})")
    page_requests = proxy.page_requests()
    check(not page_requests, f"no network request from the page: {page_requests[:5]}")
    print(f"test_report_html: {len(proxy.requests) - len(page_requests)} request(s) of Chromium's "
          "own services went to the proxy and no further")
    finish("test_report_html")


if __name__ == "__main__":
    main()
