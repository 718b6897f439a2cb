/*
 * json_out - how the host writes JSON: compact, '/' unescaped (Jackson's
 * output, which Clouddriver's clients compare against), and the error body
 * shape of Spring Boot that Clouddriver answers errors with.
 */
#ifndef CDH_JSON_OUT_H
#define CDH_JSON_OUT_H

#include <json-c/json.h>

/* Serialises `obj` and drops the caller's reference to it. Returns a new
 * string (caller frees), or NULL when out of memory. */
char *cdh_json_take_string(json_object *obj);

/* {"status":N,"error":"...","message":"..."} as a new string (caller frees). */
char *cdh_json_error(int status, const char *error, const char *message);

#endif
