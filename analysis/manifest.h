/* manifest.h: reads a scan's manifest.json as flat path = value pairs for the report's methodology.
 */
#ifndef MS_ANALYSIS_MANIFEST_H
#define MS_ANALYSIS_MANIFEST_H

#include <stddef.h>

/*
 * A JSON document flattened: every scalar becomes one entry whose path joins
 * object keys with '.' and array indexes as "[i]" ("options.input",
 * "resolvers[0].address", "argv[3]"); strings are unescaped (\uXXXX as
 * UTF-8), numbers, true, false and null are kept as their text.
 * The manifest is the scanner's own output, but a report may be run on a
 * directory someone else produced: the reader is bounded (1 MiB, depth 32,
 * 4096 entries) and rejects anything that is not well-formed JSON.
 */
struct rpt_manifest {
    size_t n;
    char **path;  /* n paths */
    char **value; /* n values */
};

/*
 * Parses `len` bytes of JSON into `m` (initialised here). Returns 0,
 * MS_ESYNTAX (not well-formed, too deep, too many entries) or MS_ENOMEM;
 * on error `m` is empty. Any thread.
 */
int rpt_manifest_parse(struct rpt_manifest *m, const char *json, size_t len);

/* Reads and parses DIR/manifest.json: errors as rpt_manifest_parse, MS_ENOTFOUND, MS_EIO. */
int rpt_manifest_load(struct rpt_manifest *m, const char *dir);

/* The value at `path`, or NULL. Owned by `m`. */
const char *rpt_manifest_get(const struct rpt_manifest *m, const char *path);

/* Frees every entry; `m` is empty afterwards. */
void rpt_manifest_free(struct rpt_manifest *m);

#endif
