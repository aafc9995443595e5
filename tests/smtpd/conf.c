/* conf.c: ms-smtpd's configuration: smtpd.conf lines, shared TLS contexts, per-address counters. */
#include "smtpd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#define SD_FIELDS 6

/* One TLS context per distinct (chain, key, TLS 1.2 cap): thousands of listeners share a few. */
struct ctx_entry {
    char *chain;
    char *key;
    int tls12;
    SSL_CTX *ctx;
};

static struct ctx_entry *ctxs;
static size_t n_ctxs;

/* Counters, one per address, in first-seen order (the JSON keeps it); an index table finds them. */
static struct sd_ipstats *stats;
static size_t n_stats;
static size_t *stats_index; /* open addressing, cap_index slots, SIZE_MAX = free */
static size_t cap_index;

static const char *const behaviour_names[] = {
#define XX(id, name) name,
    SD_BEHAVIOUR_MAP(XX)
#undef XX
};

int sd_behaviour_parse(const char *name)
{
    for (int i = 0; i < SD_B_COUNT; i++) {
        if (strcmp(name, behaviour_names[i]) == 0)
            return i;
    }
    return -1;
}

const char *sd_behaviour_name(enum sd_behaviour b)
{
    return b < SD_B_COUNT ? behaviour_names[b] : "?";
}

int sd_behaviour_needs_tls(enum sd_behaviour b)
{
    return b == SD_B_GOOD || b == SD_B_MULTILINE || b == SD_B_INJECT || b == SD_B_TLS12_ONLY;
}

static void log_ssl_errors(void)
{
    unsigned long e;
    char buf[256];

    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        sd_log("  %s", buf);
    }
}

/* A new server context: no session resumption, so every probe makes a full handshake. */
static SSL_CTX *ctx_new(const char *chain, const char *key, int tls12)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL)
        return NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        sd_log("cannot load %s / %s:", chain, key);
        log_ssl_errors();
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (tls12 && SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SSL_CTX *ctx_get(const char *chain, const char *key, int tls12)
{
    struct ctx_entry *grown;

    for (size_t i = 0; i < n_ctxs; i++) {
        if (ctxs[i].tls12 == tls12 && strcmp(ctxs[i].chain, chain) == 0 &&
            strcmp(ctxs[i].key, key) == 0)
            return ctxs[i].ctx;
    }
    grown = realloc(ctxs, (n_ctxs + 1) * sizeof(*ctxs));
    if (grown == NULL)
        return NULL;
    ctxs = grown;
    ctxs[n_ctxs].ctx = ctx_new(chain, key, tls12);
    if (ctxs[n_ctxs].ctx == NULL)
        return NULL;
    ctxs[n_ctxs].chain = strdup(chain);
    ctxs[n_ctxs].key = strdup(key);
    ctxs[n_ctxs].tls12 = tls12;
    if (ctxs[n_ctxs].chain == NULL || ctxs[n_ctxs].key == NULL)
        return NULL;
    return ctxs[n_ctxs++].ctx;
}

/* FNV-1a of a NUL-terminated string. */
static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

/* Sizes the counter table for `lines` listeners (an upper bound on the addresses). */
static int stats_reserve(size_t lines)
{
    cap_index = 16;
    while (cap_index < 2 * lines + 2)
        cap_index *= 2;
    stats = calloc(lines + 1, sizeof(*stats));
    stats_index = malloc(cap_index * sizeof(*stats_index));
    if (stats == NULL || stats_index == NULL)
        return -1;
    for (size_t i = 0; i < cap_index; i++)
        stats_index[i] = SIZE_MAX;
    return 0;
}

static struct sd_ipstats *stats_get(const char *ip)
{
    size_t slot = hash_str(ip) & (cap_index - 1);

    while (stats_index[slot] != SIZE_MAX) {
        if (strcmp(stats[stats_index[slot]].ip, ip) == 0)
            return &stats[stats_index[slot]];
        slot = (slot + 1) & (cap_index - 1);
    }
    stats_index[slot] = n_stats;
    snprintf(stats[n_stats].ip, sizeof(stats[n_stats].ip), "%s", ip);
    return &stats[n_stats++];
}

/* Splits `line` in place into at most `max` whitespace-separated fields; returns how many. */
static int split(char *line, char **field, int max)
{
    int n = 0;
    char *save = NULL;

    for (char *tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == max)
            return max + 1;
        field[n++] = tok;
    }
    return n;
}

static int bind_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
    if (uv_ip4_addr(ip, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    return uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss);
}

/* Fills one listener from the fields of a config line; -1 after logging on a bad line. */
static int parse_line(char **f, struct sd_listener *l, const char *path, int lineno)
{
    struct sockaddr_storage ss;
    char *end = NULL;
    long port = strtol(f[1], &end, 10);
    int b = sd_behaviour_parse(f[2]);

    if (*end != '\0' || port < 1 || port > 65535 || bind_addr(f[0], (int)port, &ss) != 0) {
        sd_log("%s:%d: bad address or port %s %s", path, lineno, f[0], f[1]);
        return -1;
    }
    if (b < 0) {
        sd_log("%s:%d: unknown behaviour %s", path, lineno, f[2]);
        return -1;
    }
    if (strlen(f[5]) >= sizeof(l->hostname)) {
        sd_log("%s:%d: hostname too long", path, lineno);
        return -1;
    }
    memset(l, 0, sizeof(*l));
    l->behaviour = (enum sd_behaviour)b;
    l->port = (int)port;
    snprintf(l->hostname, sizeof(l->hostname), "%s", f[5]);
    l->stats = stats_get(f[0]);
    if (strcmp(f[3], "-") != 0 && strcmp(f[4], "-") != 0) {
        l->ctx = ctx_get(f[3], f[4], l->behaviour == SD_B_TLS12_ONLY);
        if (l->ctx == NULL) {
            sd_log("%s:%d: no TLS context", path, lineno);
            return -1;
        }
    } else if (sd_behaviour_needs_tls(l->behaviour)) {
        sd_log("%s:%d: behaviour %s needs a certificate chain and key", path, lineno, f[2]);
        return -1;
    }
    return 0;
}

static size_t count_lines(FILE *fp)
{
    size_t n = 0;
    int c;

    while ((c = getc(fp)) != EOF)
        n += c == '\n';
    rewind(fp);
    return n + 1;
}

int sd_conf_load(const char *path, struct sd_listener **out, size_t *n)
{
    FILE *fp = fopen(path, "r");
    char line[4096];
    char *f[SD_FIELDS];
    int lineno = 0, rc = -1;
    size_t cap;

    if (fp == NULL) {
        sd_log("%s: %s", path, strerror(errno));
        return -1;
    }
    cap = count_lines(fp);
    *n = 0;
    *out = calloc(cap, sizeof(**out));
    if (*out == NULL || stats_reserve(cap) != 0)
        goto done;
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *hash = strchr(line, '#');
        int k;

        lineno++;
        if (hash != NULL)
            *hash = '\0';
        k = split(line, f, SD_FIELDS);
        if (k == 0)
            continue;
        if (k != SD_FIELDS) {
            sd_log("%s:%d: want ip port behaviour chain key hostname", path, lineno);
            goto done;
        }
        if (*n == cap || parse_line(f, &(*out)[*n], path, lineno) != 0)
            goto done;
        (*n)++;
    }
    rc = 0;
done:
    fclose(fp);
    return rc;
}

void sd_stats_handshake(struct sd_ipstats *s, const char *sni)
{
    s->tls++;
    if (sni == NULL) {
        s->no_sni++;
        return;
    }
    for (unsigned i = 0; i < s->n_sni; i++) {
        if (strcmp(s->sni[i], sni) == 0)
            return;
    }
    if (s->n_sni < SD_SNI_MAX && strlen(sni) < SD_HOST_MAX)
        snprintf(s->sni[s->n_sni++], SD_HOST_MAX, "%s", sni);
}

/* A JSON string of an SNI name: only the hostname characters pass, anything else becomes '?'. */
static void put_json_name(FILE *fp, const char *s)
{
    putc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_' || c == '*';
        putc(ok ? c : '?', fp);
    }
    putc('"', fp);
}

void sd_stats_reset(void)
{
    /* A new measurement window: high-water marks restart from what is open now. */
    for (size_t i = 0; i < n_stats; i++) {
        stats[i].accepted = 0;
        stats[i].tls = 0;
        stats[i].no_sni = 0;
        stats[i].max_open = stats[i].open;
    }
}

int sd_stats_write(const char *path)
{
    char tmp[4096];
    FILE *fp;
    int rc;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -1;
    fp = fopen(tmp, "w");
    if (fp == NULL) {
        sd_log("%s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(fp, "{\"pid\": %ld, \"written_at\": %lld, \"addresses\": %zu, \"ips\": {",
            (long)getpid(), (long long)time(NULL), n_stats);
    for (size_t i = 0; i < n_stats; i++) {
        const struct sd_ipstats *s = &stats[i];

        fprintf(fp,
                "%s\n \"%s\": {\"accepted\": %llu, \"open\": %u, \"max_open\": %u, \"tls\": "
                "%llu, \"no_sni\": %llu, \"sni\": [",
                i ? "," : "", s->ip, (unsigned long long)s->accepted, s->open, s->max_open,
                (unsigned long long)s->tls, (unsigned long long)s->no_sni);
        for (unsigned k = 0; k < s->n_sni; k++) {
            if (k > 0)
                fputs(", ", fp);
            put_json_name(fp, s->sni[k]);
        }
        fputs("]}", fp);
    }
    fprintf(fp, "\n}}\n");
    rc = ferror(fp) ? -1 : 0;
    if (fclose(fp) != 0 || rc != 0 || rename(tmp, path) != 0) {
        sd_log("cannot write %s", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}
