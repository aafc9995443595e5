/* log.c: leveled logging to stderr. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

enum ms_log_level ms_log_threshold = MS_LOG_WARN;

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

void ms_log(enum ms_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (level > ms_log_threshold)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One call, so lines from the writer thread and the loop never interleave. */
    fprintf(stderr, "mtascope: %s: %s\n", level_names[level], line);
}
