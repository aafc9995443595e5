/* mappages.c: drops LMDB's mapped file pages from RSS when they grew by a budget. */
#include "output/mappages.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/error.h"

/* File-backed and shared pages resident in this process (statm's third field), 0 if unknown. */
static uint64_t file_pages(void)
{
    /* Kept open (a pread costs a microsecond, an open ten); /proc/self is this process at open. */
    static _Atomic int statm = -1;
    unsigned long long size, resident, shared;
    char buf[128];
    ssize_t n;
    int fd = atomic_load(&statm);

    if (fd < 0) {
        int expected = -1, nfd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

        if (nfd < 0)
            return 0;
        if (!atomic_compare_exchange_strong(&statm, &expected, nfd))
            close(nfd);
        fd = atomic_load(&statm);
    }
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) == 3 ? shared : 0;
}

int out_mappages_find(struct out_mappages *m, MDB_env *env)
{
    mdb_filehandle_t fd;
    struct stat st;
    char line[512];
    FILE *fp;

    m->n = 0;
    m->fd = -1;
    if (mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &st) != 0)
        return MS_EIO;
    fp = fopen("/proc/self/maps", "r");
    if (fp == NULL)
        return MS_EIO;
    while (fgets(line, sizeof(line), fp) != NULL && m->n < OUT_MAPPAGES_RANGES) {
        unsigned long start, end, ino;
        unsigned maj, min;

        /* The lock file is mapped too (other inode): only the data file's pages grow. */
        if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &start, &end, &maj, &min, &ino) == 5 &&
            ino == (unsigned long)st.st_ino && makedev(maj, min) == st.st_dev) {
            m->addr[m->n] = (void *)start;
            m->len[m->n] = end - start;
            m->n++;
        }
        /* A line longer than the buffer continues in the next fgets: it never parses. */
    }
    fclose(fp);
    m->fd = fd;
    atomic_store(&m->base_pages, file_pages());
    return 0;
}

void out_mappages_drop(struct out_mappages *m)
{
    struct stat st;
    size_t filelen = SIZE_MAX;

    /* Past the file's end nothing is mapped: do not walk the page tables of the whole map. */
    if (m->n > 0 && fstat(m->fd, &st) == 0)
        filelen = ((size_t)st.st_size + 0xfffff) & ~(size_t)0xfffff;
    for (int i = 0; i < m->n; i++) {
        madvise(m->addr[i], m->len[i] < filelen ? m->len[i] : filelen, MADV_DONTNEED);
        filelen -= m->len[i] < filelen ? m->len[i] : filelen;
    }
    atomic_store(&m->base_pages, file_pages());
}

void out_mappages_touch(struct out_mappages *m, unsigned n)
{
    uint64_t before = atomic_fetch_add(&m->touched, n), now;
    long psize;

    if (before / OUT_MAPPAGES_CHECK == (before + n) / OUT_MAPPAGES_CHECK)
        return;
    now = file_pages();
    psize = sysconf(_SC_PAGESIZE);
    if (now >
        atomic_load(&m->base_pages) + OUT_MAPPAGES_BUDGET / (uint64_t)(psize > 0 ? psize : 4096))
        out_mappages_drop(m);
}
