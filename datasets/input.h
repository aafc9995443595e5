/* input.h: the scanner's input: a domain list, a top list or a zone file, plain or gzip. */
#ifndef MS_DATASETS_INPUT_H
#define MS_DATASETS_INPUT_H

#include "datasets/listreader.h"
#include "datasets/source.h"
#include "datasets/zone.h"

#define DS_INPUT_FORMAT_MAP(XX)                                                                    \
    XX(AUTO, "auto")                                                                               \
    XX(LIST, "list")                                                                               \
    XX(TOPLIST, "toplist")                                                                         \
    XX(ZONE, "zone")

enum ds_input_format {
#define XX(name, str) DS_INPUT_##name,
    DS_INPUT_FORMAT_MAP(XX)
#undef XX
};

/* Bytes looked at to guess the format (the start of the decompressed stream). */
#define DS_INPUT_SNIFF (64 * 1024)

/* One open input. Allocated by ds_input_open (about 300 KiB, whatever the input size). */
struct ds_input {
    struct ds_source src;
    enum ds_input_format format; /* never AUTO once open */
    struct ds_zone_reader zone;
    uint64_t lineno;
    char line[DS_LINE_MAX + 1];
};

/* "list" for DS_INPUT_LIST, ... */
const char *ds_input_format_name(enum ds_input_format f);

/* Parses a format name ("auto", "list", "toplist", "zone"). Returns 0 or MS_EINVAL. */
int ds_input_format_parse(const char *s, enum ds_input_format *out);

/*
 * Guesses the format from the first bytes of a stream: a zone file when a
 * line starts with $ORIGIN, $TTL or $INCLUDE, or when most lines read as
 * resource records (a class or a common type among the first tokens) or ';'
 * comments; a top list when every entry line is "rank,name"; a list
 * otherwise. The last line, cut by the sample's end, is not judged. Pure.
 */
enum ds_input_format ds_input_sniff(const char *buf, size_t len);

/*
 * Opens `path` ("-": standard input), gzip or plain whatever its name, in
 * format `fmt` (DS_INPUT_AUTO: ds_input_sniff on the first DS_INPUT_SNIFF
 * bytes, which are then read again as entries). `zone_origin` (may be NULL)
 * is the origin of a zone file without $ORIGIN. Returns 0, MS_EIO (errno
 * says why), MS_ESYNTAX (corrupt or truncated gzip data), MS_ENOMEM or
 * MS_EINVAL (a bad zone_origin). On success the
 * caller owns *out until ds_input_close. One thread at a time.
 */
int ds_input_open(struct ds_input **out, const char *path, enum ds_input_format fmt,
                  const char *zone_origin);

/*
 * The next entry (a normalised name or an input error with its reason).
 * Returns 1, 0 at the end, MS_EIO (a read error; errno says why) or
 * MS_ESYNTAX (corrupt or truncated gzip data).
 */
int ds_input_next(struct ds_input *in, struct ds_entry *e);

/* Whether the stream is gzip-compressed (known once the first bytes were read). */
int ds_input_compressed(const struct ds_input *in);

/* Closes and frees `in` (NULL is fine). */
void ds_input_close(struct ds_input *in);

#endif
