/* stspolicy.h: the MTA-STS policy file (RFC 8461 §3.2): strict and lenient verdicts, MX patterns.
 */
#ifndef MS_PROBES_STSPOLICY_H
#define MS_PROBES_STSPOLICY_H

#include <stddef.h>
#include <stdint.h>

/* The policy mode (§5). STS_MODE_NONE_SET: no valid `mode` field was read. */
enum sts_mode { STS_MODE_NONE_SET = 0, STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE };

/* "", "enforce", "testing", "none"; "unknown" for a value outside the enum. Static string. */
const char *sts_mode_str(enum sts_mode m);

/*
 * The reason codes of error_strict / error_lenient, one fixed vocabulary (docs/mta-sts-policy.md
 * gives the rule behind each and which verdicts it applies to). STS_PE_OK is not a reason and never
 * appears in a result.
 */
#define STS_POLICY_ERR_MAP(XX)                                                                     \
    XX(OK, "ok")                                                                                   \
    XX(NUL_BYTE, "nul_byte")                                                                       \
    XX(EMPTY, "empty")                                                                             \
    XX(BOM, "bom")                                                                                 \
    XX(BARE_CR, "bare_cr")                                                                         \
    XX(BLANK_LINE, "blank_line")                                                                   \
    XX(LEADING_WSP, "leading_wsp")                                                                 \
    XX(LINE_SYNTAX, "line_syntax")                                                                 \
    XX(WSP_BEFORE_COLON, "wsp_before_colon")                                                       \
    XX(KEY_CASE, "key_case")                                                                       \
    XX(EXT_SYNTAX, "ext_syntax")                                                                   \
    XX(BAD_VERSION, "bad_version")                                                                 \
    XX(BAD_MODE, "bad_mode")                                                                       \
    XX(MAX_AGE_SYNTAX, "max_age_syntax")                                                           \
    XX(MAX_AGE_RANGE, "max_age_range")                                                             \
    XX(MX_SYNTAX, "mx_syntax")                                                                     \
    XX(MX_IP_LITERAL, "mx_ip_literal")                                                             \
    XX(MX_TRAILING_DOT, "mx_trailing_dot")                                                         \
    XX(VERSION_MISSING, "version_missing")                                                         \
    XX(MODE_MISSING, "mode_missing")                                                               \
    XX(MAX_AGE_MISSING, "max_age_missing")                                                         \
    XX(MX_MISSING, "mx_missing")

enum sts_policy_err {
#define XX(name, str) STS_PE_##name,
    STS_POLICY_ERR_MAP(XX)
#undef XX
        STS_PE__COUNT
};

/* The static string of a code ("bad_mode"); "unknown" for a value outside the enum. */
const char *sts_policy_errstr(enum sts_policy_err e);

/*
 * Observations about a policy body, recorded whatever the verdicts (bit indexes of
 * sts_policy.flags; test with `flags & STS_PF(STS_PF_BOM)`). docs/mta-sts-policy.md says when
 * each is set.
 */
#define STS_POLICY_FLAG_MAP(XX)                                                                    \
    XX(BOM, "bom")                                                                                 \
    XX(CRLF, "crlf")                                                                               \
    XX(LF, "lf")                                                                                   \
    XX(BARE_CR, "bare_cr")                                                                         \
    XX(NO_FINAL_EOL, "no_final_eol")                                                               \
    XX(BLANK_LINES, "blank_lines")                                                                 \
    XX(LEADING_WSP, "leading_wsp")                                                                 \
    XX(WSP_BEFORE_COLON, "wsp_before_colon")                                                       \
    XX(CAPITALISED_KEY, "capitalised_key")                                                         \
    XX(REPEATED_FIELD, "repeated_field")                                                           \
    XX(UNKNOWN_KEY, "unknown_key")                                                                 \
    XX(JUNK_LINE, "junk_line")                                                                     \
    XX(VERSION_NOT_FIRST, "version_not_first")                                                     \
    XX(TRAILING_DOT_MX, "trailing_dot_mx")                                                         \
    XX(MX_IP_LITERAL, "mx_ip_literal")                                                             \
    XX(MX_NON_ASCII, "mx_non_ascii")                                                               \
    XX(MX_INVALID, "mx_invalid")                                                                   \
    XX(MX_WILDCARD, "mx_wildcard")                                                                 \
    XX(TOO_MANY_MX, "too_many_mx")                                                                 \
    XX(NUL_BYTE, "nul_byte")

enum sts_policy_flag {
#define XX(name, str) STS_PF_##name,
    STS_POLICY_FLAG_MAP(XX)
#undef XX
        STS_PF__COUNT
};

/* The mask of flag bit `b` in sts_policy.flags. */
#define STS_PF(b) (UINT32_C(1) << (b))

/* The name of flag bit `bit` (0 .. STS_PF__COUNT-1), e.g. "bom"; "unknown" beyond. Static string.
 */
const char *sts_policy_flag_str(unsigned bit);

#define STS_POLICY_MAX_MX 64

/*
 * One parsed policy body; embedded by the caller, filled (entirely overwritten) by
 * sts_policy_parse. mode, max_age and mx are read the lenient way (first occurrence of each
 * non-mx field wins, keys case-insensitive), so they are filled even when a verdict is negative;
 * when valid_strict is set the strict reading gives exactly the same values.
 */
struct sts_policy {
    int valid_strict;          /* the body follows the ABNF and prose of RFC 8461 §3.2 exactly */
    int valid_lenient;         /* a tolerant sender would accept it (docs/mta-sts-policy.md) */
    const char *error_strict;  /* first strict violation (sts_policy_errstr), NULL when valid */
    const char *error_lenient; /* first lenient violation, NULL when valid_lenient */
    int error_line_strict;     /* 1-based line of error_strict; 0 when valid or whole-body */
    int error_line_lenient;    /* the same for error_lenient */
    uint32_t flags;            /* STS_PF(...) observations */
    enum sts_mode mode;        /* the first `mode` if valid, else STS_MODE_NONE_SET */
    long long max_age;         /* first `max_age` when 1-10 digits (even above 31557600), else -1 */
    int n_mx;                  /* patterns stored in mx[] */
    /* the valid patterns in order: lowercased, trailing dot removed, "*." prefix kept; each is
     * NUL-terminated printable ASCII. Invalid `mx` values are never stored. */
    char mx[STS_POLICY_MAX_MX][256];
    int mx_truncated; /* 1 when more than STS_POLICY_MAX_MX valid patterns were published */
};

/*
 * Parses a policy body: `len` bytes at `text` as fetched (not NUL-terminated, may hold any byte
 * incl. NUL; NULL is allowed when len is 0). RFC 8461 §3.2, readings in docs/mta-sts-policy.md.
 * A verdict is negative exactly when its error is non-NULL; valid_strict implies valid_lenient.
 * Pure function: reads only text[0..len), keeps no pointer into it, never allocates, runs in
 * O(len); safe from any thread.
 */
void sts_policy_parse(const char *text, size_t len, struct sts_policy *out);

/*
 * RFC 8461 §4.1: whether MX host `host` (the MX target as published, not CNAME-expanded) matches
 * `pattern`. ASCII case-insensitive; one trailing dot on either side is ignored. "*.example.com"
 * matches exactly one extra non-empty left-most label: "mx.example.com", not "example.com" nor
 * "a.b.example.com". Any other "*" is literal. NULL or empty arguments never match. Returns 1 or 0.
 */
int sts_mx_match(const char *pattern, const char *host);

/* Whether any pattern of `p` matches `host` (sts_mx_match). NULL `p` or `host` gives 0. */
int sts_policy_matches(const struct sts_policy *p, const char *host);

#endif
