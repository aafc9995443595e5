/* digest.c: SHA-256 of a regular input file, read in large blocks (OpenSSL EVP). */
#include "datasets/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/error.h"

#define DIGEST_BLOCK (1u << 20)

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
    static const char digits[] = "0123456789abcdef";

    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xF];
    }
    hex[2 * n] = '\0';
}

/* Feeds every byte of `fd` to `ctx`; returns 0, MS_EIO or MS_EINVAL (cancelled). */
static int hash_fd(int fd, EVP_MD_CTX *ctx, unsigned char *buf, const volatile int *cancel,
                   uint64_t *total)
{
    for (;;) {
        ssize_t n;

        if (cancel != NULL && *cancel)
            return MS_EINVAL;
        n = read(fd, buf, DIGEST_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return MS_EIO;
        if (n == 0)
            return 0;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            return MS_ENOMEM;
        *total += (uint64_t)n;
    }
}

int ds_file_sha256(const char *path, const volatile int *cancel, char *hex, uint64_t *bytes)
{
    unsigned char md[EVP_MAX_MD_SIZE], *buf = NULL;
    unsigned mdlen = 0;
    EVP_MD_CTX *ctx = NULL;
    uint64_t total = 0;
    struct stat st;
    int fd, rc;

    hex[0] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MS_EIO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return MS_EINVAL;
    }
    buf = malloc(DIGEST_BLOCK);
    ctx = EVP_MD_CTX_new();
    rc = buf == NULL || ctx == NULL ? MS_ENOMEM : 0;
    if (rc == 0 && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        rc = MS_ENOMEM;
    if (rc == 0)
        rc = hash_fd(fd, ctx, buf, cancel, &total);
    if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
        rc = MS_ENOMEM;
    if (rc == 0) {
        to_hex(md, mdlen, hex);
        if (bytes != NULL)
            *bytes = total;
    }
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return rc;
}
