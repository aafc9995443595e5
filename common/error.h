/* error.h: the scanner's own error codes (faults of the scanner, not of remote peers). */
#ifndef MS_COMMON_ERROR_H
#define MS_COMMON_ERROR_H

/*
 * Functions that can fail return 0 or one of these negative codes. A remote
 * failure (timeout, SERVFAIL, bad certificate) is not an error: it is data in
 * the result record, see docs/errors.md for that vocabulary.
 */
#define MS_ERR_MAP(XX)                                                                             \
    XX(NOMEM, "out of memory")                                                                     \
    XX(INVAL, "invalid argument")                                                                  \
    XX(IO, "input/output error")                                                                   \
    XX(EXISTS, "already exists")                                                                   \
    XX(NOTFOUND, "not found")                                                                      \
    XX(TOOLONG, "value too long")                                                                  \
    XX(SYNTAX, "syntax error")                                                                     \
    XX(LIBUV, "libuv error")                                                                       \
    XX(CARES, "c-ares error")                                                                      \
    XX(LDNS, "ldns error")                                                                         \
    XX(LMDB, "LMDB error")                                                                         \
    XX(FULL, "queue or table full")

enum ms_err {
    MS_OK = 0,
#define XX(name, msg) MS_E##name,
    MS__ERR_FIRST = -1000,
    MS_ERR_MAP(XX)
#undef XX
        MS__ERR_END
};

/* Returns a static, human-readable message for an ms_err code (or "unknown error"). */
const char *ms_strerror(int err);

/* Returns the symbolic name ("NOMEM") of an ms_err code. */
const char *ms_errname(int err);

#endif
