/* dryrun.c: the scratch store of `scan --dry-run` and its summary. */
#include "scanner/dryrun.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/log.h"

int scan_dryrun_mkdir(const char *out_dir, char *dir, size_t dirsz)
{
    const char *base = out_dir;
    int n;

    if (base == NULL) {
        base = getenv("TMPDIR");
        if (base == NULL || base[0] == '\0')
            base = "/tmp";
    } else if (mkdir(base, 0777) != 0 && errno != EEXIST) {
        ms_error("cannot create %s: %s", base, strerror(errno));
        return -1;
    }
    n = snprintf(dir, dirsz, "%s/mtascope-dry-run-XXXXXX", base);
    if (n < 0 || (size_t)n >= dirsz || mkdtemp(dir) == NULL) {
        ms_error("cannot create a scratch directory in %s: %s", base, strerror(errno));
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        ms_warn("cannot remove %s: %s", path, strerror(errno));
    return 0;
}

void scan_dryrun_rmdir(const char *dir)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void scan_dryrun_report(FILE *fp, const struct scan_manifest *m)
{
    const struct scan_counters *c = m->counters;
    double secs = m->duration_s > 0 ? m->duration_s : 1e-9;
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    fprintf(fp, "dry run: %llu entries in %.2f s: %.0f entries/s, peak RSS %ld KiB (%s%s)\n",
            (unsigned long long)c->lines, m->duration_s, (double)c->lines / secs, ru.ru_maxrss,
            m->input_format ? m->input_format : "?", m->input_compressed ? ", gzip" : "");
    fprintf(fp,
            "  to scan %llu, input errors %llu, duplicates %llu, excluded %llu, sampled out %llu,"
            " other shards %llu\n",
            (unsigned long long)c->done, (unsigned long long)c->input_errors,
            (unsigned long long)c->skipped_duplicate, (unsigned long long)c->excluded,
            (unsigned long long)c->sampled_out, (unsigned long long)c->sharded_out);
}
