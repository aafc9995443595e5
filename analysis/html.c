/* html.c: the HTML writer: one self-contained page (inline CSS, SVG charts, a few lines of JS). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "analysis/markup.h"
#include "analysis/svg.h"
#include "analysis/writers.h"
#include "common/error.h"

/*
 * The page fetches nothing: the style sheet and the sorting script are inline,
 * and a Content-Security-Policy of default-src 'none' that admits exactly
 * these two by their SHA-256 makes the browser refuse any other load or
 * script, even one a text from the scan might smuggle past the escaping.
 * Fonts are the system's (no web fonts). Presentation attributes only, never
 * style="" attributes, which that policy would block.
 */
static const char CSS[] =
    ":root{--fg:#1a1a1a;--muted:#555;--line:#ccc}\n"
    "*{box-sizing:border-box}\n"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;color:var(--fg);background:#fff;margin:0 auto;max-width:72rem;padding:1.5rem}\n"
    "h1{font-size:1.8rem;margin:0 0 .25rem}\n"
    "h2{font-size:1.35rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;"
    "margin-top:2.5rem}\n"
    "h3{font-size:1.05rem;margin:0 0 .5rem}\n"
    "nav ol{columns:2;padding-left:1.4rem}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\n"
    "dl.facts dt{font-weight:600}\n"
    "dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "figure{margin:1.75rem 0}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    "tbody th{font-weight:normal;overflow-wrap:break-word}\n"
    "thead th{border-bottom:2px solid #888;background:#f2f2f2}\n"
    "tbody tr:nth-child(even){background:#fafafa}\n"
    ".js thead th{cursor:pointer;user-select:none}\n"
    ".js thead th::after{content:' \\2195';color:#999;font-size:.8em}\n"
    ".js thead th[aria-sort=ascending]::after{content:' \\25B2';color:inherit}\n"
    ".js thead th[aria-sort=descending]::after{content:' \\25BC';color:inherit}\n"
    "p.note,p.chartnote{color:var(--muted);font-size:.9rem;margin:.4rem 0 0}\n"
    ".nodata{color:var(--muted);font-style:italic}\n"
    "svg.chart{display:block;width:100%;max-width:46rem;height:auto;margin:.5rem 0 1rem;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "svg.chart text{font-family:inherit}\n"
    "footer{margin-top:3rem;color:var(--muted);font-size:.85rem}\n"
    "@page{margin:1.5cm}\n"
    "@media print{\n"
    "body{max-width:none;padding:0;font-size:10pt}\n"
    "nav{display:none}\n"
    "h2{break-after:avoid;margin-top:1.5rem}\n"
    "figure{break-inside:avoid}\n"
    "thead{display:table-header-group}\n"
    "tr{break-inside:avoid}\n"
    ".scroll{overflow:visible}\n"
    ".js thead th::after{content:none}\n"
    "tbody tr:nth-child(even){background:none}\n"
    "thead th{background:none}\n"
    "table,p.note,p.chartnote{font-size:8.5pt}\n"
    "td.num{white-space:normal}\n"
    "tbody th{overflow-wrap:anywhere}\n"
    "th,td{padding:.2rem .4rem}\n"
    "svg.chart{max-width:16cm}\n"
    "}\n";

/*
 * Sorting by a click on a column heading (or Enter/Space on it); without
 * script the tables are plain and complete. Numeric cells carry their sort
 * key in data-v (a share's percentage); empty cells sort last either way.
 */
static const char JS[] =
    "(function(){\n"
    "var d=document.documentElement;d.classList.add('js');\n"
    "function sort(th){\n"
    "var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,"
    "rs=Array.prototype.slice.call(b.rows);\n"
    "var num=rs.some(function(r){return r.cells[i]&&r.cells[i].dataset.v!==undefined;});\n"
    "var cur=th.getAttribute('aria-sort');\n"
    "var dir=cur?(cur==='ascending'?-1:1):(num?-1:1);\n"
    "th.parentNode.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});\n"
    "th.setAttribute('aria-sort',dir>0?'ascending':'descending');\n"
    "rs.sort(function(x,y){var a=x.cells[i],c=y.cells[i];\n"
    "var u=a&&a.dataset.v,v=c&&c.dataset.v;\n"
    "if(u!==undefined&&v!==undefined)return dir*(u-v);\n"
    "if(u!==undefined)return -1;if(v!==undefined)return 1;\n"
    "return dir*(a?a.textContent:'').localeCompare(c?c.textContent:'');});\n"
    "rs.forEach(function(r){b.appendChild(r);});}\n"
    "document.querySelectorAll('table.sortable thead th').forEach(function(th){\n"
    "th.tabIndex=0;th.title='Sort by this column';\n"
    "th.addEventListener('click',function(){sort(th);});\n"
    "th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){"
    "e.preventDefault();sort(th);}});});\n"
    "})();\n";

/* Appends 'sha256-BASE64' of `s` for the page's Content-Security-Policy. */
static void csp_hash(struct ms_buf *b, const char *s)
{
    unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    unsigned int mdlen = 0;

    if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1) {
        b->oom = 1; /* no digest: fail the page rather than ship it without its policy */
        return;
    }
    EVP_EncodeBlock(b64, md, (int)mdlen);
    ms_buf_printf(b, "'sha256-%s'", (const char *)b64);
}

static void write_head(struct ms_buf *b, const struct rpt_report *r)
{
    ms_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "base-uri 'none'; form-action 'none'; style-src ");
    csp_hash(b, CSS);
    ms_buf_puts(b, "; script-src ");
    csp_hash(b, JS);
    ms_buf_puts(b, "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"mtascope " MS_VERSION "\">\n<title>");
    rpt_esc(b, r->title, 0);
    ms_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", CSS);
    rpt_esc(b, r->title, 0);
    ms_buf_puts(b, "</h1>\n</header>\n");
}

/* Appends the id of section `s` ("s-<id>"), or of its table `t` ("t-<section>-<table>"). */
static void put_id(struct ms_buf *b, const struct rpt_section *s, const struct rpt_table *t)
{
    ms_buf_puts(b, t != NULL ? "t-" : "s-");
    rpt_id(b, s->id);
    if (t != NULL) {
        ms_buf_putc(b, '-');
        rpt_id(b, t->id);
    }
}

static void write_nav(struct ms_buf *b, const struct rpt_report *r)
{
    ms_buf_puts(b, "<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n"
                   "<li><a href=\"#methodology\">Methodology</a></li>\n");
    for (size_t i = 0; i < r->nsections; i++) {
        ms_buf_puts(b, "<li><a href=\"#");
        put_id(b, r->sections[i], NULL);
        ms_buf_puts(b, "\">");
        rpt_esc(b, r->sections[i]->title, 0);
        ms_buf_puts(b, "</a></li>\n");
    }
    ms_buf_puts(b, "</ol>\n</nav>\n");
}

static void write_methodology(struct ms_buf *b, const struct rpt_report *r)
{
    ms_buf_puts(b, "<section id=\"methodology\">\n<h2>Methodology</h2>\n");
    if (r->nfacts > 0) {
        ms_buf_puts(b, "<dl class=\"facts\">\n");
        for (size_t i = 0; i < r->nfacts; i++) {
            ms_buf_puts(b, "<dt>");
            rpt_esc(b, r->facts[i].key, 0);
            ms_buf_puts(b, "</dt><dd>");
            rpt_esc(b, r->facts[i].value, 0);
            ms_buf_puts(b, "</dd>\n");
        }
        ms_buf_puts(b, "</dl>\n");
    }
    ms_buf_puts(b, "<p>Every share is given as <em>n of d (p%)</em>: n out of the d that the "
                   "table's note names as its denominator, p = 100&#8239;n/d. Counts are "
                   "domains unless a table says otherwise.</p>\n</section>\n");
}

/* Appends one body cell; numeric cells carry their sort key in data-v. */
static void write_cell(struct ms_buf *b, const struct rpt_cell *c, int label)
{
    int ok;
    double v = rpt_cell_value(c, &ok);

    ms_buf_puts(b, label ? "<th scope=\"row\"" : ok ? "<td class=\"num\"" : "<td");
    if (ok)
        ms_buf_printf(b, " data-v=\"%.17g\"", v);
    ms_buf_putc(b, '>');
    rpt_fmt_cell(b, c);
    ms_buf_puts(b, label ? "</th>" : "</td>");
}

static void write_grid(struct ms_buf *b, const struct rpt_table *t)
{
    ms_buf_puts(b, "<div class=\"scroll\">\n<table class=\"sortable\">\n<thead>\n<tr>");
    for (size_t c = 0; c < t->ncols; c++) {
        ms_buf_puts(b, "<th scope=\"col\">");
        rpt_esc(b, t->cols[c], 0);
        ms_buf_puts(b, "</th>");
    }
    ms_buf_puts(b, "</tr>\n</thead>\n<tbody>\n");
    for (size_t row = 0; row < t->nrows; row++) {
        ms_buf_puts(b, "<tr>");
        for (size_t c = 0; c < t->ncols; c++)
            write_cell(b, rpt_cell_at(t, row, c), c == 0);
        ms_buf_puts(b, "</tr>\n");
    }
    if (t->nrows == 0)
        ms_buf_printf(b, "<tr><td class=\"nodata\" colspan=\"%zu\">No data.</td></tr>\n",
                      t->ncols > 0 ? t->ncols : 1);
    ms_buf_puts(b, "</tbody>\n</table>\n</div>\n");
}

static void write_table(struct ms_buf *b, const struct rpt_section *s, const struct rpt_table *t)
{
    ms_buf_puts(b, "<figure id=\"");
    put_id(b, s, t);
    ms_buf_puts(b, "\" class=\"report-table\">\n<figcaption><h3>");
    rpt_esc(b, t->title, 0);
    ms_buf_puts(b, "</h3></figcaption>\n");
    if (t->nrows > 0) /* an empty table says "No data." itself */
        rpt_svg_chart(b, t);
    write_grid(b, t);
    if (t->note != NULL) {
        ms_buf_puts(b, "<p class=\"note\">");
        rpt_esc(b, t->note, 0);
        ms_buf_puts(b, "</p>\n");
    }
    ms_buf_puts(b, "</figure>\n");
}

static void write_section(struct ms_buf *b, const struct rpt_section *s)
{
    ms_buf_puts(b, "<section id=\"");
    put_id(b, s, NULL);
    ms_buf_puts(b, "\">\n<h2>");
    rpt_esc(b, s->title, 0);
    ms_buf_puts(b, "</h2>\n");
    if (s->intro != NULL) {
        ms_buf_puts(b, "<p>");
        rpt_esc(b, s->intro, 0);
        ms_buf_puts(b, "</p>\n");
    }
    for (size_t i = 0; i < s->ntables; i++)
        write_table(b, s, s->tables[i]);
    ms_buf_puts(b, "</section>\n");
}

int rpt_write_html(const struct rpt_report *r, FILE *fp)
{
    struct ms_buf b;
    int rc = 0;

    if (r->oom)
        return MS_ENOMEM;
    ms_buf_init(&b);
    write_head(&b, r);
    write_nav(&b, r);
    ms_buf_puts(&b, "<main>\n");
    write_methodology(&b, r);
    for (size_t i = 0; i < r->nsections; i++)
        write_section(&b, r->sections[i]);
    ms_buf_printf(&b,
                  "</main>\n<footer>Written by mtascope %s.</footer>\n<script>%s</script>\n"
                  "</body>\n</html>\n",
                  MS_VERSION, JS);
    if (b.oom)
        rc = MS_ENOMEM;
    else if (fwrite(b.data, 1, b.len, fp) != b.len || fflush(fp) != 0 || ferror(fp))
        rc = MS_EIO;
    ms_buf_free(&b);
    return rc;
}
