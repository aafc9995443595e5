/* store.h: the LMDB result store DIR/results.lmdb: queued puts, one writer thread, loop reads. */
#ifndef MS_OUTPUT_STORE_H
#define MS_OUTPUT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/strbuf.h"

/*
 * Layout: DIR/results.lmdb/ is an LMDB directory environment with named
 * databases `domains` (key = normalised domain, value = out_record encoding)
 * and `meta` (string keys and values: "input_sha256", "options", ...); room is
 * left for 16 named databases in all.
 *
 * Threads: the store is opened, used and closed on one thread, the "loop
 * thread" (the thread running `loop`, or any single thread when `loop` is
 * NULL). A private writer thread owns every write transaction; puts are copied
 * into a mutex-protected queue and never wait for the disk.
 *
 * Crash consistency: the environment runs with MDB_NOSYNC|MDB_NOMETASYNC and
 * is synced (mdb_env_sync) about once a second, at out_store_flush and at
 * out_store_close. Each batch of puts is one transaction. LMDB never
 * overwrites live pages and writes the meta page last, so if the process dies
 * at any moment (kill -9, crash) while the OS keeps running, the page cache
 * holds a consistent database: reopening shows every batch committed before
 * the death entirely and nothing of the batch in progress. If the OS itself
 * crashes or the power fails, commits since the last sync may be lost and,
 * unless the file system preserves write order, the database may be corrupt;
 * set out_store_opts.durable for fsync at every commit. After out_store_flush
 * returns 0, everything put before it is on disk.
 *
 * Do not open the same DIR twice in one process at the same time (LMDB's
 * rule: it breaks its locks): out_store_iterate, out_store_count and
 * out_store_meta_read open their own read-only environment, so call them only
 * when no out_store on that DIR is open in this process (another process may
 * be writing it).
 */
struct out_store;

/*
 * Called on the loop thread after one or more transactions committed: `total`
 * is the number of puts (records and meta) committed since open. A put counts
 * against the caller's memory budget until it is committed.
 */
typedef void (*out_store_committed_cb)(struct out_store *s, uint64_t total, void *arg);

/* Called on the loop thread once the store's memory has been freed. */
typedef void (*out_store_close_cb)(void *arg);

/*
 * Called by out_store_iterate for each record in key order. `key` is a
 * NUL-terminated copy (keys never contain NUL in practice; `keylen` is
 * authoritative); `val` points into the read-only map. Both are valid only
 * during the call. Return 0 to go on; any other value stops the walk and is
 * returned by out_store_iterate.
 */
typedef int (*out_store_iter_cb)(const char *key, size_t keylen, const void *val, size_t vallen,
                                 void *arg);

/* Longest key LMDB accepts with its default page layout. */
#define OUT_STORE_KEY_MAX 511
/* Longest value the store accepts (a record is at most ~1.6 MB). */
#define OUT_STORE_VAL_MAX (64u * 1024 * 1024)
/* Initial map size: address space only, the file grows with the data. */
#define OUT_STORE_DEFAULT_MAP ((uint64_t)64 << 30)

/* Zero-initialise; every zero member means "the default". */
struct out_store_opts {
    uint64_t map_size;    /* initial map size in bytes; 0: 64 GiB; grown on MDB_MAP_FULL */
    unsigned batch_max;   /* puts per write transaction; 0: 4096 */
    unsigned batch_ms;    /* longest wait for a batch to fill, from its first put; 0: 100 */
    unsigned sync_ms;     /* interval of mdb_env_sync while puts arrive; 0: 1000 */
    unsigned fresh_ms;    /* out_store_exists renews its snapshot after this; 0: 50 */
    unsigned fresh_calls; /* ... or after this many calls; 0: 1000 */
    int durable;          /* 1: fsync at every commit (no MDB_NOSYNC); slower */
    out_store_committed_cb committed_cb; /* may be NULL; never called when loop is NULL */
    void *cb_arg;
};

/*
 * Creates DIR (one level) and DIR/results.lmdb/ if needed, opens or creates
 * the environment and its databases, and starts the writer thread. `loop` may
 * be NULL (tools and tests without a loop: no committed callback). `opts` may
 * be NULL. On success *out is owned by the caller until out_store_close.
 * Returns 0, MS_EINVAL, MS_ETOOLONG (path), MS_EIO (mkdir), MS_ENOMEM,
 * MS_ELIBUV or MS_ELMDB (the LMDB message is logged). Loop thread; blocking.
 */
int out_store_open(struct out_store **out, const char *dir, uv_loop_t *loop,
                   const struct out_store_opts *opts);

/*
 * Queues key -> value for the `domains` database; both are copied. A later put
 * of the same key replaces the value. Never waits for the disk (only for the
 * queue mutex, held briefly by the writer); memory is bounded by the caller via
 * out_store_pending or the committed callback. Returns 0, MS_EINVAL (empty
 * key), MS_ETOOLONG (key > OUT_STORE_KEY_MAX or value > OUT_STORE_VAL_MAX),
 * MS_ENOMEM, or the store's sticky error after a failed write (see
 * out_store_error). Loop thread (any thread if loop was NULL).
 */
int out_store_put(struct out_store *s, const char *key, size_t keylen, const void *val,
                  size_t vallen);

/* Puts queued or being written and not yet committed (or dropped after an error). Any thread. */
uint64_t out_store_pending(const struct out_store *s);

/* Puts committed since open (the value the committed callback reports). Any thread. */
uint64_t out_store_committed(const struct out_store *s);

/*
 * Whether `key` is in `domains`: 1, 0, or MS_E* (MS_ETOOLONG, MS_EINVAL,
 * MS_ELMDB). Reads a snapshot that is renewed every fresh_ms or fresh_calls,
 * so a key put (even committed) moments ago may not be visible yet: the
 * scanner dedupes its in-flight keys itself. Loop thread only (it owns the
 * snapshot's read transaction).
 */
int out_store_exists(struct out_store *s, const char *key, size_t keylen);

/*
 * Puts accepted since open (records, meta and blobs alike): right after a put
 * on the loop thread, the put's own sequence number. Any thread.
 */
uint64_t out_store_put_count(const struct out_store *s);

/*
 * The visibility horizon of out_store_exists: every put whose sequence number
 * (out_store_put_count right after it) is at most the value returned is
 * visible to out_store_exists from now on (puts are committed in the order
 * they were accepted, and a snapshot is only ever replaced by a newer one).
 * A put above it may or may not be visible yet. With `renew`, a stale
 * snapshot is replaced first, so the horizon catches up with what is
 * committed. 0 before the first snapshot. Loop thread only.
 */
uint64_t out_store_visible(struct out_store *s, int renew);

/*
 * Queues a `meta` put like out_store_put (string key and value, copied; same
 * errors). It is visible to out_store_meta_get once committed.
 */
int out_store_meta_put(struct out_store *s, const char *key, const char *value);

/*
 * Reads the committed `meta` value of `key` into `value` (reset first; read it
 * with ms_buf_cstr). Returns 0, MS_ENOTFOUND, MS_EINVAL (empty or over-long
 * key), MS_ENOMEM or MS_ELMDB. Any thread (each call uses its own read
 * transaction, which MDB_NOTLS allows beside the exists() snapshot).
 */
int out_store_meta_get(struct out_store *s, const char *key, struct ms_buf *value);

/*
 * Blocks the caller until every put queued before the call is committed and
 * synced to disk. Returns 0 or the sticky error. Loop thread (it blocks the
 * loop: for the end of a scan and tests).
 */
int out_store_flush(struct out_store *s);

/*
 * The sticky error of the writer (0 if none): once a batch cannot be written
 * (disk full, I/O error, map growth refused) later puts fail with it and queued
 * puts are dropped. `*mdb_rc` (may be NULL) receives the LMDB or errno status
 * behind it, for mdb_strerror(). Any thread.
 */
int out_store_error(const struct out_store *s, int *mdb_rc);

/*
 * Flushes (errors are logged), stops and joins the writer thread, and closes
 * the environment: when this returns, DIR may be reopened or iterated.
 * With a loop, the uv_async_t handle is closed and the store's memory is
 * freed in its close callback (libuv's rule), so the loop must run once more;
 * `cb(arg)` (may be NULL) is called on the loop thread after the memory is
 * freed. Without a loop the memory is freed and `cb` called before returning.
 * `s` must not be used after this call; no committed callback runs after it.
 * May be called from the committed callback. Loop thread.
 */
void out_store_close(struct out_store *s, out_store_close_cb cb, void *arg);

/*
 * Opens DIR/results.lmdb read-only and calls `cb` for every `domains` record
 * in key (byte) order. Returns 0, the callback's non-zero return, MS_ENOTFOUND
 * (no store), MS_ENOMEM or MS_ELMDB. Blocking; any thread; see the rule above
 * about a store open in this process.
 */
int out_store_iterate(const char *dir, out_store_iter_cb cb, void *arg);

/*
 * Queues a content-addressed blob (a certificate chain, a policy text) into
 * the `blobs` database under `key` (by convention "kind:sha256hex"). A key
 * already stored is left as it is. Same threading and errors as out_store_put.
 */
int out_store_blob_put(struct out_store *s, const char *key, const void *val, size_t vallen);

/*
 * As out_store_iterate for the `blobs` database (key = "kind:sha256hex", value
 * = the blob's bytes), in key order. For copying blobs between stores (merge).
 */
int out_store_iterate_blobs(const char *dir, out_store_iter_cb cb, void *arg);

/* Reads one blob of DIR read-only; errors as out_store_meta_read. */
int out_store_blob_read(const char *dir, const char *key, struct ms_buf *value);

/*
 * A read-only walk of DIR's `domains` records in key order, one record per
 * call, so two stores can be merged in one pass (out_store_iterate's callback
 * cannot). Same rule as out_store_iterate about a store open in this process;
 * two different DIRs may be walked at once. One thread per cursor.
 */
struct out_store_cursor;

/* Opens the walk; *out is the caller's until out_store_cursor_close. Errors as out_store_iterate.
 */
int out_store_cursor_open(const char *dir, struct out_store_cursor **out);

/*
 * The next record: 1 with *key (NUL-terminated copy), *keylen, *val, *vallen
 * set, valid until the next call or the close; 0 at the end; MS_ELMDB on error.
 */
int out_store_cursor_next(struct out_store_cursor *c, const char **key, size_t *keylen,
                          const void **val, size_t *vallen);

/* Ends the walk and frees the cursor (NULL is ignored). */
void out_store_cursor_close(struct out_store_cursor *c);

/* Number of records in DIR's `domains` database; errors as out_store_iterate. */
int out_store_count(const char *dir, uint64_t *n);

/* Reads one `meta` value of DIR read-only (for reporting tools); errors as out_store_meta_get. */
int out_store_meta_read(const char *dir, const char *key, struct ms_buf *value);

#endif
