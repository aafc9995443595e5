/* mxcsv.h: DIR/mx.csv, one row per (domain, MX host, IP), exported from the result store. */
#ifndef MS_OUTPUT_MXCSV_H
#define MS_OUTPUT_MXCSV_H

#include <stdint.h>

/*
 * Writes the header `domain,<columns>` (columns as given, comma-separated)
 * and, for every record with a hosts_detail field, one CSV row per line of
 * it (tab-separated fields). Written to csv_path.tmp, then renamed.
 * Returns 0 or MS_E*; *rows gets the row count.
 */
int out_mxcsv_export(const char *dir, const char *csv_path, const char *columns, uint64_t *rows);

#endif
