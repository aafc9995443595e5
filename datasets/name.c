/* name.c: hostname checks for input domains (LDH labels, RFC 1035 lengths). */
#include "datasets/name.h"

#include <stdio.h>
#include <string.h>

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

enum ds_name_err ds_name_normalise(const char *in, size_t len, char *out)
{
    size_t start = 0;
    enum ds_name_err e;

    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0)
        return DS_NAME_EMPTY;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)in[i] >= 0x80)
            return DS_NAME_NON_ASCII;
    }
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
