/* store.c: the LMDB result store: one writer thread drains a queue; batching, sync, map growth. */
#include "output/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "output/mappages.h"

#define STORE_SUBDIR   "results.lmdb"
#define STORE_MAXDBS   16
#define STORE_PATH_MAX 4096

/* Map sizes are 64-bit (the default is 64 GiB of address space). */
_Static_assert(sizeof(size_t) >= 8, "the result store needs a 64-bit address space");

enum store_db { DB_DOMAINS, DB_META, DB_BLOBS, DB__COUNT };

static const char *const db_names[DB__COUNT] = {"domains", "meta", "blobs"};

/* One queued put: key bytes then value bytes, in one allocation. */
struct store_item {
    struct store_item *next;
    size_t vallen;
    unsigned keylen;
    unsigned char db;
    char data[];
};

struct out_store {
    uv_async_t async; /* wakes the loop after commits (only when loop != NULL) */
    uv_loop_t *loop;
    MDB_env *env;
    MDB_dbi dbi[DB__COUNT];
    struct out_mappages pages;  /* the map's range: changed by the writer under map_lock */
    struct out_store_opts opts; /* defaults filled in */

    /* The queue and its counters: guarded by mu. */
    pthread_mutex_t mu;
    pthread_cond_t work_cond; /* the writer waits here: puts, flush, stop */
    pthread_cond_t done_cond; /* flushers wait here for durable_seq */
    struct store_item *qhead, **qtail;
    size_t qcount;
    uint64_t qfirst_ms;   /* when the current batch started filling */
    uint64_t put_seq;     /* puts accepted */
    uint64_t done_seq;    /* puts committed or dropped */
    uint64_t durable_seq; /* puts committed and synced, or dropped */
    unsigned flush_waiters;
    int stop;

    /* Sticky error (MS_E*) and the LMDB/errno status behind it. */
    _Atomic int err;
    _Atomic int err_detail;
    _Atomic uint64_t pending;
    _Atomic uint64_t committed;

    /*
     * LMDB forbids remapping (mdb_env_set_mapsize) while any transaction of the
     * process is active. Read paths hold map_lock shared around their LMDB calls;
     * the writer holds it exclusive to reset the exists() snapshot and remap.
     */
    pthread_rwlock_t map_lock;
    MDB_txn *rtxn; /* exists() snapshot: loop thread, or the writer under map_lock */
    int rtxn_live; /* rtxn holds a snapshot (not reset) */
    uint64_t rtxn_ms;
    unsigned rtxn_calls;
    uint64_t rtxn_seq; /* puts committed before the snapshot began: all of them are in it */
    int broken;        /* a remap failed: the map is gone, reads must not touch it */

    /* Writer thread only. */
    pthread_t thread;
    int thread_started;
    struct store_item **batch;
    uint64_t map_size;
    int dirty; /* committed but not synced */
    uint64_t last_sync_ms;

    /* Loop thread only. */
    int refd;          /* async handle keeps the loop alive while puts are pending */
    uint64_t reported; /* last total given to committed_cb */
    out_store_close_cb close_cb;
    void *close_arg;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Maps an LMDB status or errno to MS_E*; 0 stays 0. */
static int map_mdb(int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case ENOMEM:
        return MS_ENOMEM;
    case ENOENT:
    case MDB_NOTFOUND:
        return MS_ENOTFOUND;
    default:
        return rc > 0 ? MS_EIO : MS_ELMDB;
    }
}

static int store_path(char *buf, const char *dir)
{
    int n = snprintf(buf, STORE_PATH_MAX, "%s/" STORE_SUBDIR, dir);

    return n < 0 || n >= STORE_PATH_MAX ? MS_ETOOLONG : 0;
}

/* Makes the directory entries of a new environment durable; best effort. */
static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return;
    if (fsync(fd) != 0)
        ms_debug("result store: fsync %s: %s", path, strerror(errno));
    close(fd);
}

/* Creates, configures and opens an environment; `map_size` 0 adopts the stored size. */
static int env_open(MDB_env **envp, const char *path, unsigned flags, uint64_t map_size)
{
    MDB_env *env;
    int rc, dead;

    *envp = NULL;
    rc = mdb_env_create(&env);
    if (rc != 0)
        return rc;
    rc = mdb_env_set_maxdbs(env, STORE_MAXDBS);
    if (rc == 0 && map_size > 0)
        rc = mdb_env_set_mapsize(env, (size_t)map_size);
    if (rc == 0)
        rc = mdb_env_open(env, path, flags | MDB_NOTLS, 0644);
    if (rc != 0) {
        mdb_env_close(env);
        return rc;
    }
    /* Free reader slots left by a killed process (also done when the lock file is reset). */
    mdb_reader_check(env, &dead);
    *envp = env;
    return 0;
}

/* Opens (creating them) the named databases in one write transaction. */
static int open_dbis(struct out_store *s)
{
    MDB_txn *txn;
    int rc;

    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    for (int i = 0; i < DB__COUNT && rc == 0; i++)
        rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

/* ---- writer thread ---- */

/* Sets the sticky error once (mu held or not: first writer wins). */
static void set_error(struct out_store *s, int mdb_rc, const char *what)
{
    int expected = 0;

    if (atomic_compare_exchange_strong(&s->err, &expected, map_mdb(mdb_rc))) {
        atomic_store(&s->err_detail, mdb_rc);
        ms_error("result store: %s: %s; further results are dropped", what, mdb_strerror(mdb_rc));
    }
}

/*
 * Doubles the map. LMDB requires that no transaction of this process is
 * active: the write transaction has been aborted by the caller, and holding
 * map_lock exclusively keeps read paths out while the exists() snapshot is
 * reset. If the larger mapping fails, the old size is restored when possible.
 */
static int grow_map(struct out_store *s)
{
    uint64_t want = s->map_size * 2;
    int rc;

    if (want < s->map_size)
        return MDB_MAP_FULL;
    pthread_rwlock_wrlock(&s->map_lock);
    if (s->rtxn_live) {
        mdb_txn_reset(s->rtxn);
        s->rtxn_live = 0;
    }
    rc = mdb_env_set_mapsize(s->env, (size_t)want);
    if (rc == 0)
        s->map_size = want;
    else if (mdb_env_set_mapsize(s->env, (size_t)s->map_size) != 0)
        s->broken = 1;
    /* The map moved (or is gone): drops must not touch the old range. */
    out_mappages_find(&s->pages, s->env);
    pthread_rwlock_unlock(&s->map_lock);
    if (rc == 0)
        ms_info("result store: map grown to %" PRIu64 " MiB", want >> 20);
    return rc;
}

/* Writes items in one transaction; returns an LMDB status (the txn is gone either way). */
static int txn_write(struct out_store *s, struct store_item **v, size_t n)
{
    MDB_txn *txn;
    int rc;

    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        MDB_val k = {.mv_size = v[i]->keylen, .mv_data = v[i]->data};
        MDB_val d = {.mv_size = v[i]->vallen, .mv_data = v[i]->data + v[i]->keylen};

        /* Blobs are content-addressed: a key already there holds the same bytes. */
        rc = mdb_put(txn, s->dbi[v[i]->db], &k, &d, v[i]->db == DB_BLOBS ? MDB_NOOVERWRITE : 0);
        if (rc == MDB_KEYEXIST && v[i]->db == DB_BLOBS)
            rc = 0;
        /* Random keys fault a leaf each: bound the mapped pages within a batch too. */
        out_mappages_touch(&s->pages, 1);
        if (rc != 0) {
            mdb_txn_abort(txn);
            return rc;
        }
    }
    return mdb_txn_commit(txn);
}

/*
 * Writes a batch. MDB_MAP_FULL (from a put or the commit): grow the map and
 * replay the whole batch. MDB_TXN_FULL (too many dirty pages): split the batch
 * in halves, each its own transaction, order kept.
 */
static int write_items(struct out_store *s, struct store_item **v, size_t n)
{
    for (;;) {
        int rc = txn_write(s, v, n);

        if (rc == MDB_MAP_FULL) {
            rc = grow_map(s);
            if (rc != 0)
                return rc;
            continue;
        }
        if (rc == MDB_TXN_FULL && n > 1) {
            rc = write_items(s, v, n / 2);
            return rc != 0 ? rc : write_items(s, v + n / 2, n - n / 2);
        }
        return rc;
    }
}

/* mu held. Returns 1 when there is a batch to write or a sync due, 0 to exit. */
static int wait_for_work(struct out_store *s)
{
    for (;;) {
        uint64_t now = mono_ms(), deadline = UINT64_MAX;
        int hurry = s->stop || s->flush_waiters > 0;

        if (s->qcount >= s->opts.batch_max || (hurry && (s->qcount > 0 || s->dirty)))
            return 1;
        if (s->stop)
            return 0;
        if (s->qcount > 0) {
            deadline = s->qfirst_ms + s->opts.batch_ms;
            if (now >= deadline)
                return 1;
        }
        if (s->dirty) {
            uint64_t due = s->last_sync_ms + s->opts.sync_ms;

            if (now >= due)
                return 1;
            deadline = due < deadline ? due : deadline;
        }
        if (deadline == UINT64_MAX) {
            pthread_cond_wait(&s->work_cond, &s->mu);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(deadline / 1000),
                                  .tv_nsec = (long)(deadline % 1000) * 1000000};

            pthread_cond_timedwait(&s->work_cond, &s->mu, &ts);
        }
    }
}

/* mu held. Moves up to batch_max items from the queue into s->batch. */
static size_t take_batch(struct out_store *s)
{
    size_t n = 0;

    while (s->qhead != NULL && n < s->opts.batch_max) {
        s->batch[n++] = s->qhead;
        s->qhead = s->qhead->next;
    }
    if (s->qhead == NULL)
        s->qtail = &s->qhead;
    s->qcount -= n;
    if (s->qcount > 0)
        s->qfirst_ms = mono_ms();
    return n;
}

/* Writes (or, after an error, drops) the taken batch and frees it. mu not held. */
static void write_batch(struct out_store *s, size_t n)
{
    int rc = 0;

    if (n == 0)
        return;
    if (atomic_load(&s->err) == 0) {
        rc = write_items(s, s->batch, n);
        if (rc != 0)
            set_error(s, rc, "writing a batch");
        else if (!s->opts.durable)
            s->dirty = 1;
    }
    for (size_t i = 0; i < n; i++)
        free(s->batch[i]);
    if (rc == 0 && atomic_load(&s->err) == 0)
        atomic_fetch_add(&s->committed, n);
    atomic_fetch_sub(&s->pending, n);
}

/*
 * Clean pages of LMDB's read-only file mapping count in the process's RSS,
 * so a store of 10M records would look like gigabytes of scanner memory
 * although they are only page cache. They are dropped from our page tables
 * whenever they grew by OUT_MAPPAGES_BUDGET (checked every few records put
 * or looked up: output/mappages.h), and after each sync; they fault back in
 * from the page cache on demand. Safe only because the env is opened without
 * MDB_WRITEMAP (no dirty pages in the map) and the writer thread is the only
 * one that remaps.
 */

/* mu held on entry and exit. Syncs when a flush or close waits, or the interval passed. */
static void maybe_sync(struct out_store *s)
{
    uint64_t now = mono_ms(), upto = s->done_seq;
    int rc;

    if (s->dirty && s->qcount > 0 && now < s->last_sync_ms + s->opts.sync_ms)
        return; /* more to write first; a flusher is woken after the last batch */
    if (s->dirty && !(s->flush_waiters > 0 || s->stop || now >= s->last_sync_ms + s->opts.sync_ms))
        return;
    if (s->dirty) {
        pthread_mutex_unlock(&s->mu);
        rc = mdb_env_sync(s->env, 1);
        if (rc != 0)
            set_error(s, rc, "syncing");
        out_mappages_drop(&s->pages);
        pthread_mutex_lock(&s->mu);
        s->dirty = 0;
        s->last_sync_ms = now;
    }
    s->durable_seq = upto;
    pthread_cond_broadcast(&s->done_cond);
}

static void *writer_main(void *arg)
{
    struct out_store *s = arg;

    s->last_sync_ms = mono_ms();
    pthread_mutex_lock(&s->mu);
    while (wait_for_work(s)) {
        size_t n = take_batch(s);

        pthread_mutex_unlock(&s->mu);
        write_batch(s, n);
        if (n > 0 && s->loop != NULL)
            uv_async_send(&s->async);
        pthread_mutex_lock(&s->mu);
        s->done_seq += n;
        maybe_sync(s);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- loop thread ---- */

static void on_async(uv_async_t *h)
{
    struct out_store *s = h->data;
    uint64_t total = atomic_load(&s->committed);

    /* Writers decrement `pending` before each send, so a send always follows the last put. */
    if (s->refd && atomic_load(&s->pending) == 0) {
        uv_unref((uv_handle_t *)h);
        s->refd = 0;
    }
    if (total != s->reported && s->opts.committed_cb != NULL) {
        s->reported = total;
        s->opts.committed_cb(s, total, s->opts.cb_arg);
    }
}

static void fill_defaults(struct out_store_opts *o, const struct out_store_opts *in)
{
    if (in != NULL)
        *o = *in;
    else
        memset(o, 0, sizeof(*o));
    if (o->map_size == 0)
        o->map_size = OUT_STORE_DEFAULT_MAP;
    if (o->batch_max == 0)
        o->batch_max = 4096;
    if (o->batch_ms == 0)
        o->batch_ms = 100;
    if (o->sync_ms == 0)
        o->sync_ms = 1000;
    if (o->fresh_ms == 0)
        o->fresh_ms = 50;
    if (o->fresh_calls == 0)
        o->fresh_calls = 1000;
}

/* Initialises the synchronisation objects; the condvars use CLOCK_MONOTONIC. */
static int init_sync(struct out_store *s)
{
    pthread_condattr_t ca;
    int rc;

    if (pthread_condattr_init(&ca) != 0)
        return MS_ENOMEM;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    rc = pthread_mutex_init(&s->mu, NULL);
    if (rc == 0)
        rc = pthread_cond_init(&s->work_cond, &ca);
    if (rc == 0)
        rc = pthread_cond_init(&s->done_cond, &ca);
    if (rc == 0)
        rc = pthread_rwlock_init(&s->map_lock, NULL);
    pthread_condattr_destroy(&ca);
    return rc == 0 ? 0 : MS_ENOMEM;
}

static void store_free(struct out_store *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cond);
    pthread_cond_destroy(&s->done_cond);
    pthread_rwlock_destroy(&s->map_lock);
    free(s->batch);
    free(s);
}

/* Starts the writer with every signal blocked, so signals go to the scanner's threads. */
static int start_writer(struct out_store *s)
{
    sigset_t all, old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&s->thread, NULL, writer_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return MS_ENOMEM;
    s->thread_started = 1;
    pthread_setname_np(s->thread, "ms-store");
    return 0;
}

static void stop_writer(struct out_store *s)
{
    if (!s->thread_started)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->work_cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    s->thread_started = 0;
}

/* Creates DIR and DIR/results.lmdb, opens the environment and its databases. */
static int open_env(struct out_store *s, const char *dir)
{
    char path[STORE_PATH_MAX];
    unsigned flags = s->opts.durable ? 0 : MDB_NOSYNC | MDB_NOMETASYNC;
    MDB_envinfo info;
    int rc;

    rc = store_path(path, dir);
    if (rc != 0)
        return rc;
    if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
        ms_error("result store: mkdir %s: %s", path, strerror(errno));
        return MS_EIO;
    }
    rc = env_open(&s->env, path, flags, s->opts.map_size);
    if (rc == 0)
        rc = open_dbis(s);
    if (rc != 0) {
        ms_error("result store: opening %s: %s", path, mdb_strerror(rc));
        return map_mdb(rc);
    }
    /* The map may be larger than asked if the data already is. */
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;
    out_mappages_find(&s->pages, s->env);
    fsync_dir(path);
    fsync_dir(dir);
    return 0;
}

int out_store_open(struct out_store **out, const char *dir, uv_loop_t *loop,
                   const struct out_store_opts *opts)
{
    struct out_store *s;
    int rc;

    *out = NULL;
    if (dir == NULL)
        return MS_EINVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return MS_ENOMEM;
    fill_defaults(&s->opts, opts);
    s->loop = loop;
    s->qtail = &s->qhead;
    s->batch = calloc(s->opts.batch_max, sizeof(*s->batch));
    if (s->batch == NULL || init_sync(s) != 0) {
        free(s->batch);
        free(s);
        return MS_ENOMEM;
    }
    rc = open_env(s, dir);
    if (rc == 0)
        rc = start_writer(s);
    /* The writer sends only after a commit, which needs a put, which needs open to return. */
    if (rc == 0 && loop != NULL && uv_async_init(loop, &s->async, on_async) != 0)
        rc = MS_ELIBUV;
    if (rc != 0) {
        stop_writer(s);
        if (s->env != NULL)
            mdb_env_close(s->env);
        store_free(s);
        return rc;
    }
    if (loop != NULL) {
        s->async.data = s;
        uv_unref((uv_handle_t *)&s->async);
    }
    *out = s;
    return 0;
}

static int check_kv(size_t keylen, size_t vallen)
{
    if (keylen == 0)
        return MS_EINVAL;
    if (keylen > OUT_STORE_KEY_MAX || vallen > OUT_STORE_VAL_MAX)
        return MS_ETOOLONG;
    return 0;
}

static int enqueue(struct out_store *s, enum store_db db, const char *key, size_t keylen,
                   const void *val, size_t vallen)
{
    struct store_item *it;
    int rc = check_kv(keylen, vallen), wake;

    if (rc == 0)
        rc = atomic_load(&s->err);
    if (rc != 0)
        return rc;
    it = malloc(sizeof(*it) + keylen + vallen);
    if (it == NULL)
        return MS_ENOMEM;
    it->next = NULL;
    it->db = (unsigned char)db;
    it->keylen = (unsigned)keylen;
    it->vallen = vallen;
    memcpy(it->data, key, keylen);
    if (vallen > 0)
        memcpy(it->data + keylen, val, vallen);

    pthread_mutex_lock(&s->mu);
    if (s->qcount == 0)
        s->qfirst_ms = mono_ms();
    *s->qtail = it;
    s->qtail = &it->next;
    s->qcount++;
    s->put_seq++;
    atomic_fetch_add(&s->pending, 1);
    /* The writer needs waking only to start a batch timer or when a batch is full. */
    wake = s->qcount == 1 || s->qcount == s->opts.batch_max;
    if (wake)
        pthread_cond_signal(&s->work_cond);
    pthread_mutex_unlock(&s->mu);

    if (s->loop != NULL && !s->refd) {
        uv_ref((uv_handle_t *)&s->async);
        s->refd = 1;
    }
    return 0;
}

int out_store_put(struct out_store *s, const char *key, size_t keylen, const void *val,
                  size_t vallen)
{
    return enqueue(s, DB_DOMAINS, key, keylen, val, vallen);
}

int out_store_meta_put(struct out_store *s, const char *key, const char *value)
{
    return enqueue(s, DB_META, key, strlen(key), value, strlen(value));
}

int out_store_blob_put(struct out_store *s, const char *key, const void *val, size_t vallen)
{
    return enqueue(s, DB_BLOBS, key, strlen(key), val, vallen);
}

uint64_t out_store_pending(const struct out_store *s)
{
    return atomic_load(&((struct out_store *)s)->pending);
}

uint64_t out_store_committed(const struct out_store *s)
{
    return atomic_load(&((struct out_store *)s)->committed);
}

int out_store_error(const struct out_store *s, int *mdb_rc)
{
    struct out_store *m = (struct out_store *)s;

    if (mdb_rc != NULL)
        *mdb_rc = atomic_load(&m->err_detail);
    return atomic_load(&m->err);
}

/*
 * map_lock held shared. Renews the exists() snapshot when it is too old or used too often, or
 * always when `force`.
 */
static int snapshot_fresh(struct out_store *s, int force)
{
    uint64_t now = mono_ms(), seq;
    int rc;

    if (s->broken)
        return MDB_PANIC;
    if (!force && s->rtxn_live && now - s->rtxn_ms < s->opts.fresh_ms &&
        s->rtxn_calls < s->opts.fresh_calls)
        return 0;
    /* Read before the snapshot begins: every put counted here is committed, so it is in it. */
    seq = atomic_load(&s->committed);
    if (s->rtxn_live) {
        mdb_txn_reset(s->rtxn);
        s->rtxn_live = 0;
    }
    if (s->rtxn == NULL)
        rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
    else
        rc = mdb_txn_renew(s->rtxn);
    if (rc != 0) {
        if (s->rtxn != NULL)
            mdb_txn_abort(s->rtxn);
        s->rtxn = NULL;
        return rc;
    }
    s->rtxn_live = 1;
    s->rtxn_ms = now;
    s->rtxn_calls = 0;
    s->rtxn_seq = seq;
    return 0;
}

int out_store_exists(struct out_store *s, const char *key, size_t keylen)
{
    MDB_val k = {.mv_size = keylen, .mv_data = (void *)key}, v;
    int rc = check_kv(keylen, 0);

    if (rc != 0)
        return rc;
    pthread_rwlock_rdlock(&s->map_lock);
    rc = snapshot_fresh(s, 0);
    if (rc == 0) {
        rc = mdb_get(s->rtxn, s->dbi[DB_DOMAINS], &k, &v);
        s->rtxn_calls++;
        /* A dedupe of random-order input reads a leaf anywhere in the store each time. */
        out_mappages_touch(&s->pages, 1);
    }
    pthread_rwlock_unlock(&s->map_lock);
    if (rc == 0)
        return 1;
    if (rc == MDB_NOTFOUND)
        return 0;
    return map_mdb(rc);
}

uint64_t out_store_put_count(const struct out_store *s)
{
    struct out_store *m = (struct out_store *)s;
    uint64_t n;

    pthread_mutex_lock(&m->mu);
    n = m->put_seq;
    pthread_mutex_unlock(&m->mu);
    return n;
}

uint64_t out_store_visible(struct out_store *s, int renew)
{
    uint64_t seq;

    pthread_rwlock_rdlock(&s->map_lock);
    if (renew && atomic_load(&s->committed) != s->rtxn_seq)
        snapshot_fresh(s, 1); /* on failure the old horizon stands (exists() reports the error) */
    seq = s->rtxn_seq;
    pthread_rwlock_unlock(&s->map_lock);
    return seq;
}

/* Copies one value of `txn` into `value`; returns an LMDB status. */
static int read_value(MDB_txn *txn, MDB_dbi dbi, const char *key, struct ms_buf *value)
{
    MDB_val k = {.mv_size = strlen(key), .mv_data = (void *)key}, v;
    int rc;

    ms_buf_reset(value);
    if (k.mv_size == 0 || k.mv_size > OUT_STORE_KEY_MAX)
        return MDB_BAD_VALSIZE;
    rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0) {
        ms_buf_append(value, v.mv_data, v.mv_size);
        if (value->oom)
            rc = ENOMEM;
    }
    return rc;
}

int out_store_meta_get(struct out_store *s, const char *key, struct ms_buf *value)
{
    MDB_txn *txn;
    int rc;

    pthread_rwlock_rdlock(&s->map_lock);
    rc = s->broken ? MDB_PANIC : mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = read_value(txn, s->dbi[DB_META], key, value);
        mdb_txn_abort(txn);
    }
    pthread_rwlock_unlock(&s->map_lock);
    return rc == MDB_BAD_VALSIZE ? MS_EINVAL : map_mdb(rc);
}

int out_store_flush(struct out_store *s)
{
    uint64_t target;

    pthread_mutex_lock(&s->mu);
    target = s->put_seq;
    s->flush_waiters++;
    pthread_cond_signal(&s->work_cond);
    while (s->durable_seq < target && atomic_load(&s->err) == 0)
        pthread_cond_wait(&s->done_cond, &s->mu);
    s->flush_waiters--;
    pthread_mutex_unlock(&s->mu);
    return atomic_load(&s->err);
}

static void on_closed(uv_handle_t *h)
{
    struct out_store *s = h->data;
    out_store_close_cb cb = s->close_cb;
    void *arg = s->close_arg;

    store_free(s);
    if (cb != NULL)
        cb(arg);
}

void out_store_close(struct out_store *s, out_store_close_cb cb, void *arg)
{
    int rc = out_store_flush(s);

    if (rc != 0)
        ms_error("result store: closing after an error: %s", ms_strerror(rc));
    stop_writer(s); /* drains (or drops) the queue and syncs before exiting */
    if (s->rtxn != NULL)
        mdb_txn_abort(s->rtxn);
    s->rtxn = NULL;
    mdb_env_close(s->env);
    s->env = NULL;
    s->close_cb = cb;
    s->close_arg = arg;
    if (s->loop != NULL) {
        uv_close((uv_handle_t *)&s->async, on_closed);
        return;
    }
    store_free(s);
    if (cb != NULL)
        cb(arg);
}

/* ---- read-only access by directory ---- */

/* A read-only environment with one open database and the read transaction that opened it. */
struct ro_view {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    struct out_mappages pages;
};

static int ro_open(struct ro_view *ro, const char *dir, enum store_db db)
{
    char path[STORE_PATH_MAX];
    int rc;

    memset(ro, 0, sizeof(*ro));
    rc = store_path(path, dir);
    if (rc != 0)
        return rc;
    rc = env_open(&ro->env, path, MDB_RDONLY, 0);
    if (rc == 0)
        out_mappages_find(&ro->pages, ro->env); /* on failure RSS is merely not bounded */
    if (rc == 0)
        rc = mdb_txn_begin(ro->env, NULL, MDB_RDONLY, &ro->txn);
    if (rc == 0)
        rc = mdb_dbi_open(ro->txn, db_names[db], 0, &ro->dbi);
    if (rc != 0) {
        if (rc != ENOENT && rc != MDB_NOTFOUND)
            ms_error("result store: opening %s read-only: %s", path, mdb_strerror(rc));
        if (ro->txn != NULL)
            mdb_txn_abort(ro->txn);
        if (ro->env != NULL)
            mdb_env_close(ro->env);
        memset(ro, 0, sizeof(*ro));
        return map_mdb(rc);
    }
    return 0;
}

static void ro_close(struct ro_view *ro)
{
    mdb_txn_abort(ro->txn);
    mdb_env_close(ro->env);
}

/* Walks the cursor; returns an LMDB status, or the callback's value (then *by_cb is set). */
static int walk(struct ro_view *ro, out_store_iter_cb cb, void *arg, int *by_cb)
{
    char kbuf[OUT_STORE_KEY_MAX + 1];
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;

    rc = mdb_cursor_open(ro->txn, ro->dbi, &cur);
    if (rc != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size > OUT_STORE_KEY_MAX) {
            rc = MDB_BAD_VALSIZE;
            break;
        }
        memcpy(kbuf, k.mv_data, k.mv_size);
        kbuf[k.mv_size] = '\0';
        rc = cb(kbuf, k.mv_size, v.mv_data, v.mv_size, arg);
        if (rc != 0) {
            *by_cb = 1;
            break;
        }
        /* A walk touches every page: keep RSS flat (output/mappages.h). */
        out_mappages_touch(&ro->pages, 1);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int iterate_db(const char *dir, enum store_db db, out_store_iter_cb cb, void *arg)
{
    struct ro_view ro;
    int rc, by_cb = 0;

    rc = ro_open(&ro, dir, db);
    if (rc != 0)
        return rc;
    rc = walk(&ro, cb, arg, &by_cb);
    ro_close(&ro);
    if (rc != 0 && !by_cb) {
        ms_error("result store: iterating %s: %s", dir, mdb_strerror(rc));
        return map_mdb(rc);
    }
    return rc;
}

/* A walk one record at a time (for merging two stores): a read-only view and its cursor. */
struct out_store_cursor {
    struct ro_view ro;
    MDB_cursor *cur;
    int started;
    char key[OUT_STORE_KEY_MAX + 1];
};

int out_store_cursor_open(const char *dir, struct out_store_cursor **out)
{
    struct out_store_cursor *c = calloc(1, sizeof(*c));
    int rc;

    *out = NULL;
    if (c == NULL)
        return MS_ENOMEM;
    rc = ro_open(&c->ro, dir, DB_DOMAINS);
    if (rc != 0) {
        free(c);
        return rc;
    }
    rc = mdb_cursor_open(c->ro.txn, c->ro.dbi, &c->cur);
    if (rc != 0) {
        ro_close(&c->ro);
        free(c);
        return map_mdb(rc);
    }
    *out = c;
    return 0;
}

int out_store_cursor_next(struct out_store_cursor *c, const char **key, size_t *keylen,
                          const void **val, size_t *vallen)
{
    MDB_val k, v;
    int rc = mdb_cursor_get(c->cur, &k, &v, c->started ? MDB_NEXT : MDB_FIRST);

    c->started = 1;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && k.mv_size > OUT_STORE_KEY_MAX)
        rc = MDB_BAD_VALSIZE;
    if (rc != 0)
        return map_mdb(rc);
    /* A walk touches every page: keep RSS flat (output/mappages.h). */
    out_mappages_touch(&c->ro.pages, 1);
    memcpy(c->key, k.mv_data, k.mv_size);
    c->key[k.mv_size] = '\0';
    *key = c->key;
    *keylen = k.mv_size;
    *val = v.mv_data;
    *vallen = v.mv_size;
    return 1;
}

void out_store_cursor_close(struct out_store_cursor *c)
{
    if (c == NULL)
        return;
    mdb_cursor_close(c->cur);
    ro_close(&c->ro);
    free(c);
}

int out_store_iterate(const char *dir, out_store_iter_cb cb, void *arg)
{
    return iterate_db(dir, DB_DOMAINS, cb, arg);
}

int out_store_iterate_blobs(const char *dir, out_store_iter_cb cb, void *arg)
{
    return iterate_db(dir, DB_BLOBS, cb, arg);
}

int out_store_count(const char *dir, uint64_t *n)
{
    struct ro_view ro;
    MDB_stat st;
    int rc;

    *n = 0;
    rc = ro_open(&ro, dir, DB_DOMAINS);
    if (rc != 0)
        return rc;
    rc = mdb_stat(ro.txn, ro.dbi, &st);
    if (rc == 0)
        *n = st.ms_entries;
    ro_close(&ro);
    return map_mdb(rc);
}

static int ro_read(const char *dir, enum store_db db, const char *key, struct ms_buf *value)
{
    struct ro_view ro;
    int rc;

    rc = ro_open(&ro, dir, db);
    if (rc != 0)
        return rc;
    /* The handle from mdb_dbi_open is private to ro.txn until it commits: read in ro.txn. */
    rc = read_value(ro.txn, ro.dbi, key, value);
    ro_close(&ro);
    return rc == MDB_BAD_VALSIZE ? MS_EINVAL : map_mdb(rc);
}

int out_store_meta_read(const char *dir, const char *key, struct ms_buf *value)
{
    return ro_read(dir, DB_META, key, value);
}

int out_store_blob_read(const char *dir, const char *key, struct ms_buf *value)
{
    return ro_read(dir, DB_BLOBS, key, value);
}
