/* psl.c: the process-wide Public Suffix List handle and its lookups (libpsl). */
#include "datasets/psl.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpsl.h>

#include "common/error.h"

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl_ctx;
static char psl_desc[512];

static time_t file_mtime(const char *path)
{
    struct stat st;

    return path != NULL && stat(path, &st) == 0 ? st.st_mtime : 0;
}

/*
 * psl_latest() does not say what it loaded. It takes the newest of its two
 * files that is newer than the built-in data, else the built-in data; the
 * description repeats that choice so two runs can be compared.
 */
static void describe(void)
{
    const char *dist = psl_dist_filename(), *file = psl_builtin_filename(), *src = "built-in";
    time_t t = psl_builtin_file_time(), td = file_mtime(dist), tf = file_mtime(file);
    char day[16];
    struct tm tm;

    if (psl_ctx != (psl_ctx_t *)psl_builtin() && (td > t || tf > t)) {
        src = td >= tf ? dist : file;
        t = td >= tf ? td : tf;
    }
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    snprintf(psl_desc, sizeof(psl_desc), "libpsl %s %s %s", psl_get_version(), src, day);
}

static void load(void)
{
    psl_ctx = psl_latest(NULL);
    if (psl_ctx == NULL)
        psl_ctx = (psl_ctx_t *)psl_builtin();
    if (psl_ctx != NULL)
        describe();
    else
        snprintf(psl_desc, sizeof(psl_desc), "none");
}

static const psl_ctx_t *get(void)
{
    pthread_once(&psl_once, load);
    return psl_ctx;
}

int ds_psl_init(void)
{
    return get() != NULL ? 0 : MS_ENOMEM;
}

static int copy_out(const char *s, char *out, size_t outsz)
{
    size_t n = strlen(s);

    if (n >= outsz)
        return MS_ETOOLONG;
    memcpy(out, s, n + 1);
    return 0;
}

int ds_psl_registered(const char *name, char *out, size_t outsz)
{
    const psl_ctx_t *ctx = get();
    const char *r;

    if (ctx == NULL)
        return MS_ENOMEM;
    /* Points into `name`; NULL when name is a public suffix (or empty). */
    r = psl_registrable_domain(ctx, name);
    if (r == NULL)
        return MS_ENOTFOUND;
    return copy_out(r, out, outsz);
}

int ds_psl_suffix(const char *name, char *out, size_t outsz)
{
    const psl_ctx_t *ctx = get();
    const char *r;

    if (ctx == NULL)
        return MS_ENOMEM;
    r = psl_unregistrable_domain(ctx, name);
    if (r == NULL)
        return MS_ENOTFOUND;
    return copy_out(r, out, outsz);
}

int ds_psl_is_suffix(const char *name)
{
    const psl_ctx_t *ctx = get();

    return ctx != NULL && psl_is_public_suffix(ctx, name) ? 1 : 0;
}

const char *ds_psl_describe(void)
{
    get();
    return psl_desc;
}

void ds_psl_shutdown(void)
{
    /* psl_free ignores the static built-in context. */
    if (psl_ctx != NULL)
        psl_free(psl_ctx);
    psl_ctx = NULL;
}
