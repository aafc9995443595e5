/* error.c: messages and names for the MS_ERR_MAP table. */
#include "common/error.h"

const char *ms_strerror(int err)
{
    switch (err) {
    case MS_OK:
        return "success";
#define XX(name, msg)                                                                              \
    case MS_E##name:                                                                               \
        return msg;
        MS_ERR_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *ms_errname(int err)
{
    switch (err) {
    case MS_OK:
        return "OK";
#define XX(name, msg)                                                                              \
    case MS_E##name:                                                                               \
        return #name;
        MS_ERR_MAP(XX)
#undef XX
    default:
        return "UNKNOWN";
    }
}
