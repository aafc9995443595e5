/* listreader.h: streaming reader for domain lists (one name per line, '#' comments, or
 * "rank,name"). */
#ifndef MS_DATASETS_LISTREADER_H
#define MS_DATASETS_LISTREADER_H

#include <stdint.h>
#include <stdio.h>

#include "datasets/name.h"

/* Longest line kept; longer lines are reported as DS_NAME_LINE_TOO_LONG and skipped to their end.
 */
#define DS_LINE_MAX 1024

/* One entry handed to the caller: a normalised name or an input error. */
struct ds_entry {
    uint64_t lineno;
    enum ds_name_err err;       /* DS_NAME_OK: `name` is valid */
    char name[DS_NAME_MAX + 1]; /* normalised name (valid only when err == DS_NAME_OK) */
    char
        raw[DS_LINE_MAX + 1]; /* the trimmed line as read (bounded, may contain any byte but NUL) */
    size_t raw_len;
};

/* Embedded by the caller; holds no allocation. The FILE stays owned by the caller. */
struct ds_list_reader {
    FILE *fp;
    uint64_t lineno;
    char buf[DS_LINE_MAX + 2];
};

/* How a line names its domain. */
enum ds_list_mode {
    DS_LIST_PLAIN,  /* "name", or "rank,name" (a top list read as a list) */
    DS_LIST_TOPLIST /* "rank,name" only (Tranco's CSV); other lines are toplist_syntax errors */
};

void ds_list_reader_init(struct ds_list_reader *r, FILE *fp);

/*
 * Parses one line (n bytes, without its LF; `too_long` when it was cut) into
 * `e`: '#' starts a comment, white space around the name is dropped. Returns
 * 1 when the line is an entry (a name or an input error), 0 for a blank or
 * comment line. Any thread.
 */
int ds_list_parse(const char *line, size_t n, int too_long, enum ds_list_mode mode, uint64_t lineno,
                  struct ds_entry *e);

/*
 * Reads the next non-blank, non-comment line into `e`. Returns 1 when an
 * entry was produced, 0 at end of input, MS_EIO on a read error. Memory use
 * is constant whatever the input.
 */
int ds_list_next(struct ds_list_reader *r, struct ds_entry *e);

#endif
