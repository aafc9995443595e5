/* smtpreply.h: incremental, bounded reader of SMTP replies (RFC 5321 §4.2), EHLO STARTTLS flag. */
#ifndef MS_PROBES_SMTPREPLY_H
#define MS_PROBES_SMTPREPLY_H

#include <stddef.h>

/*
 * Longest reply line accepted, line ending included. RFC 5321 §4.5.3.1.5 sets 512; real servers
 * exceed it (long EHLO keyword lines, banners), so we are lenient up to 1000.
 */
#define SMTP_LINE_MAX        1000
#define SMTP_REPLY_MAX_LINES 100 /* lines in one reply; the 101st is an error */

enum smtp_rd_status { SMTP_RD_MORE = 0, SMTP_RD_REPLY, SMTP_RD_ERROR };

/* Why a reply was rejected; the strings (smtp_rd_errstr) are reason codes in the results. */
enum smtp_rd_error {
    SMTP_RDE_NONE = 0,
    SMTP_RDE_LINE_TOO_LONG,  /* "line_too_long": a line over SMTP_LINE_MAX bytes */
    SMTP_RDE_TOO_MANY_LINES, /* "too_many_lines": a reply over SMTP_REPLY_MAX_LINES lines */
    SMTP_RDE_SYNTAX,         /* "reply_syntax": not 3 digits (first 2-5) then SP, "-" or the end */
    SMTP_RDE_CODE_MISMATCH   /* "reply_code_mismatch": lines of one reply with different codes */
};

/* The static reason string of an error; "none" for SMTP_RDE_NONE, "unknown" outside the enum. */
const char *smtp_rd_errstr(enum smtp_rd_error e);

/* One complete reply; filled by smtp_reader_feed, owned by the caller. */
struct smtp_reply {
    int code;    /* the 3-digit reply code, 200..599 */
    int n_lines; /* 1..SMTP_REPLY_MAX_LINES */
    /*
     * 1 when a line after the first of a 250 reply is the EHLO keyword STARTTLS, case-insensitive,
     * alone or followed by SP/HTAB and parameters (RFC 3207 §4, RFC 5321 §4.1.1.1 ehlo-line; the
     * first line of an EHLO reply is the server's domain, never a keyword). "STARTTLSX" is not it.
     */
    int starttls;
    /*
     * The text of the FIRST line after "ddd-"/"ddd " (for logs), NUL-terminated; control bytes
     * (C0, incl. NUL and a stray CR, and DEL) are replaced by '?', other bytes kept as sent.
     */
    char text[SMTP_LINE_MAX];
};

/*
 * Reader state for one connection (or one phase of it): embedded by the caller, fixed size, no
 * allocation. Fields are private except `error` and `bare_lf`, which the caller may read.
 */
struct smtp_reader {
    enum smtp_rd_error error; /* set with SMTP_RD_ERROR; the reader then stays failed */
    unsigned bare_lf;         /* lines ended by LF without CR since init (accepted, counted) */
    size_t line_len;          /* bytes of the current unfinished line held in `line` */
    size_t pending;           /* bytes of finished lines of the reply in progress */
    struct smtp_reply cur;    /* the reply in progress */
    char line[SMTP_LINE_MAX]; /* the current line without its LF (a CR is kept until the LF) */
};

/* Resets the reader: no reply in progress, nothing buffered, no error, bare_lf = 0. */
void smtp_reader_init(struct smtp_reader *r);

/*
 * Consumes up to len bytes of server output (any bytes; data may be NULL when len is 0).
 * Returns SMTP_RD_REPLY when a reply completed: *out holds it and *used the bytes consumed by this
 * call (the reply ends there; the caller calls again with data + *used). Returns SMTP_RD_MORE when
 * all len bytes were consumed without completing a reply (*used = len; a partial reply is kept
 * inside the reader). Returns SMTP_RD_ERROR on a protocol violation: r->error says which, *used is
 * the bytes consumed up to and including the offending one, and every later call returns
 * SMTP_RD_ERROR with *used = 0 until smtp_reader_init. *out is written only on SMTP_RD_REPLY.
 * used may be NULL. Lines end in CRLF; a bare LF is accepted and counted in r->bare_lf; a CR not
 * followed by LF is text. A multi-line reply is "ddd-text" lines then a "ddd text" (or "ddd"
 * alone) line, all with the same code (RFC 5321 §4.2.1). Keeps no pointer into data.
 */
enum smtp_rd_status smtp_reader_feed(struct smtp_reader *r, const char *data, size_t len,
                                     size_t *used, struct smtp_reply *out);

/*
 * Bytes consumed but not yet part of a complete reply: finished lines of a reply in progress plus
 * the unfinished line. After the "220" reply to STARTTLS it must be 0 and the rest of that read
 * empty; anything else is plaintext sent before the TLS handshake, which the caller discards and
 * flags (STARTTLS command injection, cf. CVE-2011-0411; RFC 3207 §4.2 resets the session).
 */
size_t smtp_reader_buffered(const struct smtp_reader *r);

#endif
