/*
 * find_row - renders one /images/find row (Clouddriver's DockerRegistryImage
 * with its artifact) straight into text, without building json-c objects,
 * when the record is in the plain form cdhost's agent stores (no escapes,
 * no spaces in the labels, labels all strings). Building and printing
 * json-c objects was most of /find's CPU at 50,000 rows. Any other record
 * is left to images.c's json-c rendering, so the bytes are the same either
 * way (tests/integration/find_stream.sh compares them).
 */
#ifndef DRG_FIND_ROW_H
#define DRG_FIND_ROW_H

#include <stddef.h>

/*
 * Writes the row's JSON into out (outlen bytes, NUL-terminated). Returns
 * its length, or 0 when this record needs the general rendering.
 */
size_t drg_find_row(const char *account, const char *registry,
		    const char *repo, const char *tag, const char *attributes,
		    int details, char *out, size_t outlen);

/* Whether `s` is written by json-c as is, between quotes: nothing it
 * would escape (with JSON_C_TO_STRING_NOSLASHESCAPE). */
int drg_json_plain(const char *s);

#endif
