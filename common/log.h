/* log.h: leveled logging to stderr; results never go through here. */
#ifndef MS_COMMON_LOG_H
#define MS_COMMON_LOG_H

enum ms_log_level { MS_LOG_ERROR = 0, MS_LOG_WARN, MS_LOG_INFO, MS_LOG_DEBUG, MS_LOG_TRACE };

/* The current threshold; messages above it are dropped. Set once at start-up. */
extern enum ms_log_level ms_log_threshold;

/* Writes one line "mtascope: level: message" to stderr. Thread-safe (one fprintf). */
void ms_log(enum ms_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ms_error(...) ms_log(MS_LOG_ERROR, __VA_ARGS__)
#define ms_warn(...)  ms_log(MS_LOG_WARN, __VA_ARGS__)
#define ms_info(...)  ms_log(MS_LOG_INFO, __VA_ARGS__)
#define ms_debug(...)                                                                              \
    do {                                                                                           \
        if (ms_log_threshold >= MS_LOG_DEBUG)                                                      \
            ms_log(MS_LOG_DEBUG, __VA_ARGS__);                                                     \
    } while (0)
#define ms_trace(...)                                                                              \
    do {                                                                                           \
        if (ms_log_threshold >= MS_LOG_TRACE)                                                      \
            ms_log(MS_LOG_TRACE, __VA_ARGS__);                                                     \
    } while (0)

#endif
