/* digest.h: SHA-256 of an input file, so shards and merges can prove they read the same input. */
#ifndef MS_DATASETS_DIGEST_H
#define MS_DATASETS_DIGEST_H

#include <stdint.h>

/* Hex digest length without the NUL. */
#define DS_SHA256_HEX 64

/*
 * Reads the file at `path` to its end and writes its SHA-256 as 64 lowercase
 * hex digits plus NUL into `hex` (DS_SHA256_HEX + 1 bytes); `*bytes` (may be
 * NULL) gets the file's length. `cancel` (may be NULL) is polled between reads:
 * when it becomes non-zero the read stops and MS_EINVAL is returned. Only
 * regular files are read: anything else (a pipe, a terminal, a directory) is
 * MS_EINVAL, since reading it would consume what the scan needs. Returns 0,
 * MS_EINVAL, MS_EIO (open or read failed) or MS_ENOMEM. Blocking; any thread.
 */
int ds_file_sha256(const char *path, const volatile int *cancel, char *hex, uint64_t *bytes);

#endif
