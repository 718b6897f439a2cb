/*
 * partition - which of an account's cacheThreads agents owns a repository:
 * Clouddriver's abs(String.hashCode() % count) == index, computed exactly as
 * Java does (UTF-16 code units, 32-bit wrap-around, a remainder that keeps
 * the hash's sign), so a repository lands on the same agent index as in
 * Clouddriver and a mixed deployment never caches it twice or not at all.
 */
#ifndef DRG_PARTITION_H
#define DRG_PARTITION_H

#include <stdint.h>

/* Java's String.hashCode over the UTF-16 code units of a UTF-8 string;
 * an invalid byte counts as one U+FFFD. */
int32_t drg_partition_java_hash(const char *s);

/*
 * Whether agent `index` of `count` owns `repository`: Clouddriver's
 * abs(hashCode % count) == index partition. Every repository has one owner;
 * a count of 0 or 1 means one agent owns everything.
 */
int drg_partition_owns(const char *repository, uint32_t index, uint32_t count);

#endif
