/* main.c: ms-smtpd: thousands of scripted SMTP/STARTTLS listeners in one libuv loop, for the test
 * world. */
#include "smtpd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define SD_BACKLOG 1024

struct sd_options sd_opts = {.max_time_ms = 600000, .verbose = 0};

static const char *stats_path;
static const char *pid_path;
static uv_signal_t sig_usr1, sig_usr2, sig_term, sig_int;

static const char usage[] =
    "usage: ms-smtpd --config FILE [--stats FILE] [--pidfile FILE] [--max-time SECONDS] "
    "[--verbose]\n"
    "  Serves every listener of FILE (lines: ip port behaviour chain key hostname).\n"
    "  SIGUSR1 writes the per-address connection counters to --stats, SIGUSR2 zeroes them;\n"
    "  SIGTERM/SIGINT write them\n"
    "  and exit. --pidfile is written once every listener is bound.\n";

void sd_log(const char *fmt, ...)
{
    va_list ap;
    char buf[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "ms-smtpd: %s\n", buf);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct sd_listener *l = (struct sd_listener *)server;

    if (status < 0) {
        sd_log("%s: accept: %s", l->stats->ip, uv_strerror(status));
        return;
    }
    sd_session_accept(l);
}

static int listen_one(uv_loop_t *loop, struct sd_listener *l, const char *ip, int port)
{
    struct sockaddr_storage ss;
    int rc;

    if (uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss) != 0)
        uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss);
    rc = uv_tcp_init(loop, &l->tcp);
    if (rc == 0)
        rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, SD_BACKLOG, on_connection);
    if (rc != 0)
        sd_log("listen on %s port %d: %s", ip, port, uv_strerror(rc));
    return rc;
}

static int listen_all(uv_loop_t *loop, struct sd_listener *ls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (listen_one(loop, &ls[i], ls[i].stats->ip, ls[i].port) != 0)
            return -1;
    }
    return 0;
}

static void write_stats(void)
{
    if (stats_path != NULL)
        sd_stats_write(stats_path);
}

static void on_signal(uv_signal_t *h, int signum)
{
    if (signum == SIGUSR2) {
        sd_stats_reset();
        write_stats();
        return;
    }
    write_stats();
    if (signum == SIGUSR1)
        return;
    if (pid_path != NULL)
        unlink(pid_path);
    sd_log("signal %d: exiting", signum);
    exit(0);
}

static int write_pidfile(void)
{
    char tmp[4096];
    FILE *fp;

    if (pid_path == NULL)
        return 0;
    snprintf(tmp, sizeof(tmp), "%s.tmp", pid_path);
    fp = fopen(tmp, "w");
    if (fp == NULL || fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) != 0 ||
        rename(tmp, pid_path) != 0) {
        sd_log("cannot write %s: %s", pid_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Thousands of listeners and their connections need more descriptors than the usual 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int parse_args(int argc, char **argv, const char **conf)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"stats", required_argument, NULL, 's'},
                                         {"pidfile", required_argument, NULL, 'p'},
                                         {"max-time", required_argument, NULL, 't'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:s:p:t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *conf = optarg;
            break;
        case 's':
            stats_path = optarg;
            break;
        case 'p':
            pid_path = optarg;
            break;
        case 't':
            sd_opts.max_time_ms = strtoull(optarg, NULL, 10) * 1000;
            break;
        case 'v':
            sd_opts.verbose = 1;
            break;
        default:
            fputs(usage, c == 'h' ? stdout : stderr);
            return c == 'h' ? 1 : -1;
        }
    }
    if (*conf == NULL || optind != argc || sd_opts.max_time_ms == 0) {
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf = NULL;
    struct sd_listener *ls = NULL;
    size_t n = 0;
    uv_loop_t *loop = uv_default_loop();
    int rc = parse_args(argc, argv, &conf);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    if (sd_conf_load(conf, &ls, &n) != 0)
        return 2;
    if (listen_all(loop, ls, n) != 0)
        return 1;
    uv_signal_init(loop, &sig_usr1);
    uv_signal_start(&sig_usr1, on_signal, SIGUSR1);
    uv_signal_init(loop, &sig_usr2);
    uv_signal_start(&sig_usr2, on_signal, SIGUSR2);
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    write_stats();
    if (write_pidfile() != 0)
        return 1;
    sd_log("%zu listeners up", n);
    uv_run(loop, UV_RUN_DEFAULT);
    write_stats();
    return 0;
}
