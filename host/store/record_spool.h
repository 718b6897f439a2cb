/*
 * record_spool - the records one refresh emitted, in emit order, kept until
 * the cycle is applied: in memory up to a bound, beyond it in an unlinked
 * temporary file, read back one record at a time.
 *
 * Why: a cycle is applied in one transaction once it is complete (a reader
 * never sees half a cycle), so its records wait for the end. Held whole,
 * they were ~355 bytes of RSS per cached tag at a million tags (bench/
 * README.md); written to a file they are page cache, which the kernel may
 * drop, not the process's memory. A refresh that stays under the bound
 * never opens a file.
 *
 * The file is opened with O_TMPFILE (else created and unlinked at once) in
 * $TMPDIR, else /tmp: nothing is left behind, even by a crash. Records are
 * written as they come (four lengths, then the four strings with their
 * NULs), so a failed write (a full disk) is seen at the emit that caused
 * it: the spool is then failed for good, with the reason, and its cycle
 * must not be applied.
 *
 * One thread appends; reading (cdh_record_spool_each) never changes the
 * spool, so a shallow copy of it reads the same records.
 */
#ifndef CDH_RECORD_SPOOL_H
#define CDH_RECORD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* One record read back: the strings are valid until the callback returns. */
struct cdh_spooled_record {
	const char *scope;
	const char *type;
	const char *id;
	const char *attributes;
};

/* What cdh_refresh_init gives a refresh: 4 MiB of records in memory. */
#define CDH_RECORD_SPOOL_MEMORY (4u * 1024u * 1024u)

struct cdh_record_spool {
	size_t memory_limit; /* bytes kept in memory before writing them out */
	char *buf;           /* records not written to the file yet */
	size_t len, cap;
	int fd;              /* the unlinked file, or -1: nothing written yet */
	uint64_t file_size;  /* bytes written to the file */
	size_t count;        /* records appended */
	int failed;          /* a write failed: the spool is not whole */
	char error[256];     /* why, when failed */
};

/* An empty spool keeping up to `memory_limit` bytes in memory. */
void cdh_record_spool_init(struct cdh_record_spool *spool, size_t memory_limit);
/* Closes the file and frees the memory; the spool is empty again. */
void cdh_record_spool_release(struct cdh_record_spool *spool);

/*
 * Appends a copy of the record (no string NULL). 0 ok; -1 out of memory
 * (the spool is unchanged); -2 the spool is failed: a write failed now or
 * before, spool->error says why.
 */
int cdh_record_spool_append(struct cdh_record_spool *spool,
			    const struct cdh_spooled_record *record);

/* Called per record; a non-zero return stops the visit and is returned. */
typedef int (*cdh_record_spool_fn)(const struct cdh_spooled_record *record,
				   void *data);

/*
 * Visits every record appended, in order. 0 when all were visited; fn's
 * non-zero return when it stopped the visit; -1 with err when the file
 * could not be read back (or is shorter than what was written, or out of
 * memory).
 */
int cdh_record_spool_each(const struct cdh_record_spool *spool,
			  cdh_record_spool_fn fn, void *data, char *err,
			  size_t errlen);

#endif
