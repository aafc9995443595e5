/* name.h: validation and normalisation of input domain names. */
#ifndef MS_DATASETS_NAME_H
#define MS_DATASETS_NAME_H

#include <stddef.h>

/* Longest presentation-form name without the trailing dot (RFC 1035 §2.3.4: 255 octets on the
 * wire). */
#define DS_NAME_MAX 253

/* Why a name was refused; the names are the `input_error` reasons in the result record. */
#define DS_NAME_ERR_MAP(XX)                                                                        \
    XX(OK, "ok")                                                                                   \
    XX(EMPTY, "empty_name")                                                                        \
    XX(TOO_LONG, "name_too_long")                                                                  \
    XX(LABEL_TOO_LONG, "label_too_long")                                                           \
    XX(EMPTY_LABEL, "empty_label")                                                                 \
    XX(BAD_CHAR, "bad_char")                                                                       \
    XX(NON_ASCII, "non_ascii")                                                                     \
    XX(HYPHEN, "label_hyphen")                                                                     \
    XX(IP_LITERAL, "ip_literal")                                                                   \
    XX(LINE_TOO_LONG, "line_too_long")                                                             \
    XX(PUBLIC_SUFFIX, "public_suffix")                                                             \
    XX(IDNA_INVALID, "idna_invalid")                                                               \
    XX(ALABEL_INVALID, "alabel_invalid")                                                           \
    XX(TOPLIST_SYNTAX, "toplist_syntax")                                                           \
    XX(ZONE_SYNTAX, "zone_syntax")                                                                 \
    XX(ZONE_INCLUDE, "zone_include")                                                               \
    XX(ZONE_NO_ORIGIN, "zone_no_origin")                                                           \
    XX(ZONE_OUTSIDE, "zone_outside_origin")                                                        \
    XX(ZONE_TOO_LONG, "zone_record_too_long")

enum ds_name_err {
#define XX(name, str) DS_NAME_##name,
    DS_NAME_ERR_MAP(XX)
#undef XX
};

/* The reason string for a code, e.g. "label_too_long". */
const char *ds_name_errstr(enum ds_name_err e);

/*
 * Checks `in` (len bytes, not NUL-terminated) as a hostname (RFC 1123 §2.1
 * letter-digit-hyphen labels), lowercases it and drops one trailing dot.
 * A name with bytes >= 0x80 is read as UTF-8 and converted to A-labels by
 * IDNA2008 (RFC 5891 §5, libidn2 with NFC and UTS #46 non-transitional
 * mapping: "Bär.example" -> "xn--br-via.example"); a label given as an A-label
 * ("xn--...") must be one IDNA2008 accepts (it decodes, and encodes back to
 * itself). Pure-ASCII names without "xn--" labels are not passed to IDNA, so
 * LDH names IDNA2008 reserves (hyphens in the 3rd and 4th position) stay valid.
 * On DS_NAME_OK `out` (DS_NAME_MAX + 1 bytes) holds the NUL-terminated name;
 * otherwise its content is unspecified. Any thread.
 */
enum ds_name_err ds_name_normalise(const char *in, size_t len, char *out);

/*
 * Writes a printable, bounded rendering of untrusted bytes (for keys and CSV
 * of input errors): printable ASCII kept, others as \xNN, at most outsz-1
 * bytes. Returns the length written.
 */
size_t ds_name_escape(const char *in, size_t len, char *out, size_t outsz);

#endif
