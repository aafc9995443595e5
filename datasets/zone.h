/* zone.h: the delegated names of a DNS zone file (RFC 1035 §5 master format), streamed. */
#ifndef MS_DATASETS_ZONE_H
#define MS_DATASETS_ZONE_H

#include <stdint.h>

#include "datasets/listreader.h"
#include "datasets/source.h"

/* Tokens kept per record: owner, TTL, class, type (the RDATA is read past, never stored). */
#define DS_ZONE_TOKENS 4
/* Longest token kept; a longer one is cut and marked (an owner that long is no name). */
#define DS_ZONE_TOKEN_MAX 1024
/* Longest record (parentheses can join lines): past this, the record is an error and reading
 * resumes at the next line, so an unclosed '(' cannot swallow the rest of the file. */
#define DS_ZONE_RECORD_MAX (64 * 1024)

/* One record's first tokens and a bounded copy of its text (for error records). */
struct ds_zone_record {
    uint64_t lineno; /* line where the record starts */
    int blank_owner; /* the line starts with white space: the previous owner applies */
    int ntok;        /* tokens seen (only the first DS_ZONE_TOKENS are kept) */
    char tok[DS_ZONE_TOKENS][DS_ZONE_TOKEN_MAX + 1];
    size_t toklen[DS_ZONE_TOKENS];
    int tok_cut[DS_ZONE_TOKENS]; /* the token was longer than DS_ZONE_TOKEN_MAX */
    int tok_quoted[DS_ZONE_TOKENS];
    enum ds_name_err err; /* ZONE_SYNTAX, ZONE_TOO_LONG or OK */
    char raw[DS_LINE_MAX + 1];
    size_t raw_len;
    size_t bytes;
};

/*
 * The reader's whole state: constant size (about 16 KiB), no allocation.
 * Names are kept without the trailing dot, lowercase; "" with has_* set is
 * the root.
 */
struct ds_zone_reader {
    struct ds_source *src; /* not owned */
    uint64_t lineno;       /* newlines read so far */
    char origin[DS_ZONE_TOKEN_MAX + 1];
    int has_origin;
    char apex[DS_NAME_MAX + 1];
    int apex_from; /* 0 none, 1 the first $ORIGIN, 2 the SOA owner, 3 the caller (--zone-origin) */
    char prev_owner[DS_ZONE_TOKEN_MAX + 1];
    int has_prev_owner;
    char last_name[DS_NAME_MAX + 1]; /* the last delegated name handed out (runs of NS records) */
    struct ds_zone_record rec;
};

/*
 * Starts reading a zone from `src`. `origin` (may be NULL) is the zone's
 * origin when the file has no $ORIGIN (--zone-origin): presentation form,
 * trailing dot optional, "." for the root; it also fixes the apex. Returns 0
 * or MS_EINVAL (not a valid name).
 */
int ds_zone_init(struct ds_zone_reader *z, struct ds_source *src, const char *origin);

/*
 * The next entry: a delegated name (the owner of NS records strictly below the
 * apex, once per run of records with that owner) or an input error for a
 * record that cannot be read (zone_syntax, zone_include for $INCLUDE, which is
 * refused, zone_no_origin for a relative name with no origin known,
 * zone_outside_origin for an NS owner outside the zone, zone_record_too_long,
 * or the name's own reason). Reading goes on after every error. The apex is
 * the caller's origin, else the SOA owner, else the first $ORIGIN; with none
 * of them every NS owner is taken. Returns 1, 0 at the end, or the source's
 * MS_EIO / MS_ESYNTAX.
 */
int ds_zone_next(struct ds_zone_reader *z, struct ds_entry *e);

#endif
