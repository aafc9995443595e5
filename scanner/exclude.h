/* exclude.h: the operator exclusion list: domains (with their subdomains) and address blocks. */
#ifndef MS_SCANNER_EXCLUDE_H
#define MS_SCANNER_EXCLUDE_H

#include <stddef.h>

struct excl_list;

/*
 * Loads FILE: one entry a line, '#' comments; an entry is a CIDR block
 * ("192.0.2.0/24", "2001:db8::/32"), a single address, or a domain name
 * (which also excludes every name below it). Returns 0, or MS_EIO /
 * MS_ESYNTAX with the line number in *bad_line (the list is then not
 * created). An empty file gives an empty list.
 */
int excl_load(const char *path, struct excl_list **out, size_t *bad_line);

/* 1 when `name` (lowercase, no trailing dot) or a parent of it is listed. */
int excl_domain(const struct excl_list *l, const char *name);

/* 1 when the address literal falls in a listed block. */
int excl_addr(const struct excl_list *l, const char *ip);

/* Entries loaded: domains and address blocks. */
void excl_counts(const struct excl_list *l, size_t *domains, size_t *blocks);

void excl_free(struct excl_list *l);

#endif
