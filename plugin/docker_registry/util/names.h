/*
 * names - distribution's grammar for repository names and tags
 * (registry-protocol.md §3.1), checked before a name goes into a request
 * URL, a scope, a record key or JSON: a config's repositories are refused,
 * a registry's odd catalog entries and tags are dropped. Names that pass are
 * printable ASCII, so they are valid UTF-8 and need no escaping anywhere.
 */
#ifndef DRG_NAMES_H
#define DRG_NAMES_H

#include <stddef.h>

/* Longest repository name distribution accepts. */
#define DRG_NAME_MAX 255

/* 1 when `s` matches path-component ("/" path-component)*, where
 * path-component is [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*, and is at most
 * DRG_NAME_MAX characters. */
int drg_name_valid_repository(const char *s);

/* 1 when `s` matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
int drg_name_valid_tag(const char *s);

/* A printable rendering of an untrusted name for a message: characters
 * outside printable ASCII become \xHH, long names are cut with "...". */
void drg_name_quote(const char *s, char *out, size_t outlen);

#endif
