/* report.c: the `mtascope report` command: its option table, --help, and the run. */
#include "analysis/report.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "analysis/changes.h"
#include "analysis/figures.h"
#include "analysis/writers.h"
#include "common/error.h"
#include "common/log.h"

/* XX(long name, has_arg, short, metavar, help): the one place an option is described. */
#define RPT_OPT_MAP(XX)                                                                            \
    XX("out", 1, 'o', "FILE", "write the report to FILE ('-': stdout)")                            \
    XX("format", 1, 'f', "FMT", "html, md, json or csv (from FILE's extension)")                   \
    XX("changes", 1, 'c', "DIR", "write the changed domains' lists to DIR")                        \
    XX("top", 1, 't', "N", "rows of the top-N tables (20)")                                        \
    XX("title", 1, 'T', "TEXT", "the report's title")                                              \
    XX("quiet", 0, 'q', NULL, "log errors only")                                                   \
    XX("help", 0, 'h', NULL, "this help")

struct rpt_opts {
    const char *out, *format, *title, *changes;
    size_t top;
};

static void print_help(FILE *fp)
{
    fputs("usage: mtascope report [options] DIR [DIR...] --out FILE\n"
          "Adoption figures of a scan's result store; with several scans (DIRs of\n"
          "`mtascope scan --out`), the trend and the change since the previous one.\n",
          fp);
#define XX(name, arg, sh, meta, help)                                                              \
    {                                                                                              \
        char left[40];                                                                             \
        snprintf(left, sizeof(left), "-%c, --%s%s%s", sh, name, meta ? " " : "",                   \
                 meta ? meta : "");                                                                \
        fprintf(fp, "  %-24s %s\n", left, help);                                                   \
    }
    RPT_OPT_MAP(XX)
#undef XX
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "mtascope report: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "try 'mtascope report --help'\n");
    return 2;
}

/* The format named by FILE's extension, or NULL. */
static const char *format_of(const char *path)
{
    static const char *const ext[][2] = {{".html", "html"},   {".htm", "html"},  {".md", "md"},
                                         {".markdown", "md"}, {".json", "json"}, {".csv", "csv"}};
    size_t n = strlen(path);

    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        size_t k = strlen(ext[i][0]);
        if (n > k && strcasecmp(path + n - k, ext[i][0]) == 0)
            return ext[i][1];
    }
    return NULL;
}

/* Parses argv; returns 0, 1 (help shown) or 2 (usage error). optind is left at the first DIR. */
static int parse(struct rpt_opts *o, int argc, char **argv)
{
    static const struct option longs[] = {
#define XX(name, arg, sh, meta, help) {name, arg, NULL, sh},
        RPT_OPT_MAP(XX)
#undef XX
            {NULL, 0, NULL, 0}};
    char *end;
    int c;

    memset(o, 0, sizeof(*o));
    o->top = 20;
    o->title = "Email transport security adoption";
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:c:t:T:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'c':
            o->changes = optarg;
            break;
        case 't':
            o->top = (size_t)strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || o->top == 0 || o->top > 100000)
                return usage_error("invalid value for --top", optarg);
            break;
        case 'T':
            o->title = optarg;
            break;
        case 'q':
            ms_log_threshold = MS_LOG_ERROR;
            break;
        case 'h':
            print_help(stdout);
            return 1;
        default:
            return usage_error("unknown option", NULL);
        }
    }
    if (o->out == NULL)
        return usage_error("--out FILE is required", NULL);
    if (optind >= argc)
        return usage_error("no scan directory given", NULL);
    if (o->format == NULL && (o->format = format_of(o->out)) == NULL)
        return usage_error("cannot tell the format from the file name; give --format", o->out);
    if (strcmp(o->format, "html") != 0 && strcmp(o->format, "md") != 0 &&
        strcmp(o->format, "json") != 0 && strcmp(o->format, "csv") != 0)
        return usage_error("unknown format", o->format);
    if (o->changes != NULL && argc - optind < 2)
        return usage_error("--changes needs two scans or more", NULL);
    return 0;
}

/* Two arguments naming the same directory would open one store twice (LMDB forbids it). */
static int distinct_dirs(char **dirs, int n)
{
    char a[PATH_MAX], b[PATH_MAX];

    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (realpath(dirs[i], a) != NULL && realpath(dirs[j], b) != NULL && strcmp(a, b) == 0)
                return usage_error("a scan directory is given twice", dirs[j]);
    return 0;
}

/* The change since the previous scan: a merge walk of the last two stores. */
static int changes(struct rpt_report *r, const struct rpt_scan *scans, size_t n,
                   const char *list_dir)
{
    const struct rpt_scan *p = &scans[n - 2], *l = &scans[n - 1];
    struct rpt_changes ch;
    int rc;

    if (list_dir != NULL && mkdir(list_dir, 0777) != 0 && errno != EEXIST) {
        ms_error("report: cannot create %s", list_dir);
        return MS_EIO;
    }
    rc = rpt_changes_walk(p->dir, l->dir, list_dir, &ch);
    /* Scans are named by their start time, or by their directory when that does not tell them
     * apart. */
    if (rc == 0 && *p->started && strcmp(p->started, l->started) != 0)
        rpt_changes_section(r, &ch, p->started, l->started);
    else if (rc == 0)
        rpt_changes_section(r, &ch, p->dir, l->dir);
    return rc;
}

static int render(const struct rpt_report *r, const char *format, FILE *fp)
{
    if (strcmp(format, "md") == 0)
        return rpt_write_md(r, fp);
    if (strcmp(format, "json") == 0)
        return rpt_write_json(r, fp);
    if (strcmp(format, "csv") == 0)
        return rpt_write_csv(r, fp);
    return rpt_write_html(r, fp);
}

/* Writes the report to FILE.tmp and renames it, so FILE is never seen half-written. */
static int write_out(const struct rpt_report *r, const struct rpt_opts *o)
{
    char tmp[4200];
    FILE *fp;
    int rc;

    if (strcmp(o->out, "-") == 0)
        return render(r, o->format, stdout);
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", o->out) >= sizeof(tmp))
        return MS_ETOOLONG;
    if ((fp = fopen(tmp, "w")) == NULL) {
        ms_error("report: cannot write %s", tmp);
        return MS_EIO;
    }
    rc = render(r, o->format, fp);
    if (fclose(fp) != 0 && rc == 0)
        rc = MS_EIO;
    if (rc == 0 && rename(tmp, o->out) != 0)
        rc = MS_EIO;
    if (rc != 0)
        remove(tmp);
    return rc;
}

int rpt_main(int argc, char **argv)
{
    struct rpt_figure_opts fo;
    struct rpt_report r;
    struct rpt_scan *scans;
    struct rpt_opts o;
    size_t n = 0;
    int rc;

    rc = parse(&o, argc, argv);
    if (rc == 0)
        rc = distinct_dirs(argv + optind, argc - optind);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    scans = calloc((size_t)(argc - optind), sizeof(*scans));
    if (scans == NULL)
        return 1;
    for (int i = optind; i < argc; i++, n++) {
        rc = rpt_scan_load(&scans[n], argv[i], 4096);
        if (rc != 0) {
            ms_error("report: %s: %s", argv[i], ms_strerror(rc));
            break;
        }
    }
    if (rc == 0) {
        rpt_scans_sort(scans, n);
        fo.top = o.top;
        rpt_init(&r, o.title);
        rpt_build(&r, scans, n, &fo);
        if (n > 1)
            rc = changes(&r, scans, n, o.changes);
        if (rc == 0)
            rc = r.oom ? MS_ENOMEM : write_out(&r, &o);
        if (rc != 0)
            ms_error("report: writing %s: %s", o.out, ms_strerror(rc));
        rpt_free(&r);
    }
    for (size_t i = 0; i < n; i++)
        rpt_scan_free(&scans[i]);
    free(scans);
    return rc == 0 ? 0 : 1;
}
