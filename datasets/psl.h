/* psl.h: registered domains and public suffixes from the Public Suffix List (libpsl). */
#ifndef MS_DATASETS_PSL_H
#define MS_DATASETS_PSL_H

#include <stddef.h>

/*
 * One process-wide, read-only list. It is loaded once, on the first call of any
 * function below (or of ds_psl_init), with libpsl's psl_latest(): the newest of
 * Debian's /usr/share/publicsuffix files (package `publicsuffix`) and the list
 * built into libpsl; psl_builtin() if no file loads. Both the ICANN and the
 * private sections apply, as the list intends ("foo.blogspot.com" is a
 * registered domain); a TLD the list does not know is a public suffix by the
 * list's default rule "*".
 *
 * Threads: every function may be called from any thread at any time; loading
 * is serialised by pthread_once and lookups only read the list (libpsl's
 * lookups keep no state in the context). ds_psl_shutdown is the exception.
 *
 * Names are expected as normalised by ds_name_normalise (lowercase A-labels,
 * no trailing dot); other input gives unspecified but memory-safe results.
 */

/* Loads the list now (otherwise the first lookup does). Returns 0 or MS_ENOMEM. */
int ds_psl_init(void);

/*
 * The registered (registrable) domain of `name`: the public suffix plus one
 * label ("www.example.co.uk" -> "example.co.uk"), written NUL-terminated to
 * `out`. Returns 0, MS_ENOTFOUND when `name` is itself a public suffix (it has
 * no registered domain: "co.uk", "com"), MS_ETOOLONG when outsz is too small,
 * MS_ENOMEM when no list could be loaded.
 */
int ds_psl_registered(const char *name, char *out, size_t outsz);

/*
 * The public suffix of `name` (the longest matching rule: "www.example.co.uk"
 * -> "co.uk", "co.uk" -> "co.uk"), for grouping by TLD or suffix. Returns 0,
 * MS_ETOOLONG or MS_ENOMEM as ds_psl_registered.
 */
int ds_psl_suffix(const char *name, char *out, size_t outsz);

/* 1 when `name` is itself a public suffix, 0 when not (and when no list loaded). */
int ds_psl_is_suffix(const char *name);

/*
 * Which list is in use, for the manifest and the store's meta, e.g.
 * "libpsl 0.21.2 /usr/share/publicsuffix/public_suffix_list.dafsa 2023-02-09": runs
 * that must partition names alike (shards) must show the same string. Static.
 */
const char *ds_psl_describe(void);

/* Frees the list (for leak checkers at exit). No other thread may use it during or after. */
void ds_psl_shutdown(void);

#endif
