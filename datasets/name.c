/* name.c: hostname checks for input domains (LDH labels, RFC 1035 lengths, IDNA2008). */
#include "datasets/name.h"

#include <stdio.h>
#include <string.h>

#include <idn2.h>

static const char *const err_names[] = {
#define XX(name, str) str,
    DS_NAME_ERR_MAP(XX)
#undef XX
};

const char *ds_name_errstr(enum ds_name_err e)
{
    if ((size_t)e >= sizeof(err_names) / sizeof(err_names[0]))
        return "unknown";
    return err_names[e];
}

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int looks_like_ip(const char *s)
{
    /* All digits and dots (IPv4) or any colon (IPv6): never a mail domain. */
    if (strchr(s, ':') != NULL)
        return 1;
    return strspn(s, "0123456789.") == strlen(s);
}

/* Checks one label s[0..n) already lowercased. */
static enum ds_name_err check_label(const char *s, size_t n)
{
    if (n == 0)
        return DS_NAME_EMPTY_LABEL;
    if (n > 63)
        return DS_NAME_LABEL_TOO_LONG;
    for (size_t i = 0; i < n; i++) {
        if (!is_ldh((unsigned char)s[i]))
            return DS_NAME_BAD_CHAR;
    }
    if (s[0] == '-' || s[n - 1] == '-')
        return DS_NAME_HYPHEN;
    return DS_NAME_OK;
}

/* The LDH check of an ASCII name without its trailing dot (len > 0). */
static enum ds_name_err normalise_ascii(const char *in, size_t len, char *out)
{
    size_t start = 0;
    enum ds_name_err e;

    if (len > DS_NAME_MAX)
        return DS_NAME_TOO_LONG;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
    for (size_t i = 0; i <= len; i++) {
        if (i == len || out[i] == '.') {
            e = check_label(out + start, i - start);
            if (e != DS_NAME_OK)
                return e == DS_NAME_BAD_CHAR && looks_like_ip(out) ? DS_NAME_IP_LITERAL : e;
            start = i + 1;
        }
    }
    if (looks_like_ip(out))
        return DS_NAME_IP_LITERAL;
    return DS_NAME_OK;
}

/* Whether a label of in[0..len) starts with the ACE prefix "xn--" (RFC 5890 §2.3.2.1), any case. */
static int has_alabel(const char *in, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if ((i == 0 || in[i - 1] == '.') && (in[i] | 0x20) == 'x' && (in[i + 1] | 0x20) == 'n' &&
            in[i + 2] == '-' && in[i + 3] == '-')
            return 1;
    }
    return 0;
}

/* Maps a libidn2 refusal to a reason; `unicode` says whether the input had U-labels. */
static enum ds_name_err idna_reason(int rc, int unicode)
{
    switch (rc) {
    case IDN2_ENCODING_ERROR:
        return DS_NAME_NON_ASCII; /* not UTF-8 */
    case IDN2_TOO_BIG_DOMAIN:
        return DS_NAME_TOO_LONG;
    case IDN2_TOO_BIG_LABEL:
    case IDN2_PUNYCODE_BIG_OUTPUT: /* an A-label over 63 octets */
        return DS_NAME_LABEL_TOO_LONG;
    default:
        return unicode ? DS_NAME_IDNA_INVALID : DS_NAME_ALABEL_INVALID;
    }
}

/*
 * IDNA2008 (RFC 5891 §5.2-5.5) through libidn2: NFC, the UTS #46 non-transitional
 * mapping (so "ß" stays "ß", as IDNA2008 wants, not "ss"), the IDNA2008 validity
 * rules, Punycode; A-labels in the input are decoded and re-encoded (the round
 * trip of §5.4). The result must then pass the LDH check like any name.
 */
static enum ds_name_err normalise_idna(const char *in, size_t len, int unicode, char *out)
{
    char buf[4 * (DS_NAME_MAX + 1)];
    char *ace = NULL;
    enum ds_name_err e;
    int rc;

    if (len >= sizeof(buf))
        return DS_NAME_TOO_LONG;
    if (memchr(in, '\0', len) != NULL)
        return DS_NAME_BAD_CHAR;
    memcpy(buf, in, len);
    buf[len] = '\0';
    rc = idn2_to_ascii_8z(buf, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK)
        return idna_reason(rc, unicode);
    len = strlen(ace);
    if (len > 0 && ace[len - 1] == '.')
        len--;
    e = len == 0 ? DS_NAME_EMPTY : normalise_ascii(ace, len, out);
    idn2_free(ace);
    return e;
}

enum ds_name_err ds_name_normalise(const char *in, size_t len, char *out)
{
    int unicode = 0;

    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0)
        return DS_NAME_EMPTY;
    for (size_t i = 0; i < len && !unicode; i++)
        unicode = (unsigned char)in[i] >= 0x80;
    if (unicode || has_alabel(in, len))
        return normalise_idna(in, len, unicode, out);
    return normalise_ascii(in, len, out);
}

size_t ds_name_escape(const char *in, size_t len, char *out, size_t outsz)
{
    size_t o = 0;

    if (outsz == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x21 && c < 0x7f && c != '\\') {
            if (o + 1 >= outsz)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= outsz)
                break;
            snprintf(out + o, 5, "\\x%02x", c);
            o += 4;
        }
    }
    out[o] = '\0';
    return o;
}
