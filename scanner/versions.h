/* versions.h: the versions of the libraries mtascope runs with (for --version and the manifest). */
#ifndef MS_SCANNER_VERSIONS_H
#define MS_SCANNER_VERSIONS_H

#include "common/strbuf.h"

/* Appends "libuv 1.44.2, c-ares 1.18.1, ..." (run-time versions, not header versions). */
void scan_versions_text(struct ms_buf *out);

/* Appends a JSON object {"libuv":"1.44.2",...}. */
void scan_versions_json(struct ms_buf *out);

#endif
