#define _GNU_SOURCE /* O_TMPFILE */
#include "store/record_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fd_io.h"

/* A record on file or in memory: the four lengths (each with its NUL),
 * then scope, type, id and attributes, each NUL-terminated. */
#define FIELDS 4
#define HEADER_SIZE (FIELDS * sizeof(uint32_t))
/* What a visit reads from the file at a time (more for a longer record). */
#define READ_SIZE (256u * 1024u)

void cdh_record_spool_init(struct cdh_record_spool *spool, size_t memory_limit)
{
	memset(spool, 0, sizeof(*spool));
	spool->memory_limit = memory_limit;
	spool->fd = -1;
}

void cdh_record_spool_release(struct cdh_record_spool *spool)
{
	if (spool->fd >= 0)
		close(spool->fd);
	free(spool->buf);
	cdh_record_spool_init(spool, spool->memory_limit);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct cdh_record_spool *spool, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spool->error, sizeof(spool->error), fmt, ap);
	va_end(ap);
	spool->failed = 1;
	return -2;
}

/* A file nobody else can open: O_TMPFILE where the file system has it,
 * else a name unlinked as soon as it is made. -1 with errno. */
static int open_unlinked(const char *dir)
{
	char path[4096];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	if (snprintf(path, sizeof(path), "%s/cdhost-records.XXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC); /* mode 0600 */
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Moves what is in memory to the end of the file. 0, or -2 (failed). */
static int spill(struct cdh_record_spool *spool)
{
	const char *dir = cdh_tmp_dir();

	if (spool->fd < 0 && (spool->fd = open_unlinked(dir)) < 0)
		return fail(spool, "cannot keep the cycle's records: %s: %s",
			    dir, strerror(errno));
	if (cdh_write_all(spool->fd, spool->buf, spool->len) != 0)
		return fail(spool,
			    "cannot keep the cycle's records: writing to %s: %s",
			    dir, strerror(errno));
	spool->file_size += spool->len;
	spool->len = 0;
	return 0;
}

/* Room for `more` bytes in memory. 0, or -1 out of memory. */
static int reserve(struct cdh_record_spool *spool, size_t more)
{
	size_t cap = spool->cap ? spool->cap : 64u * 1024u;
	char *buf;

	if (more <= spool->cap - spool->len)
		return 0;
	while (more > cap - spool->len) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	buf = realloc(spool->buf, cap);
	if (!buf)
		return -1;
	spool->buf = buf;
	spool->cap = cap;
	return 0;
}

int cdh_record_spool_append(struct cdh_record_spool *spool,
			    const struct cdh_spooled_record *record)
{
	const char *s[FIELDS] = { record->scope, record->type, record->id,
				  record->attributes };
	uint32_t lens[FIELDS];
	size_t size = HEADER_SIZE, i;
	char *p;

	if (spool->failed)
		return -2;
	for (i = 0; i < FIELDS; i++) {
		size_t len = strlen(s[i]) + 1;

		if (len > UINT32_MAX || len > SIZE_MAX - size)
			return -1; /* could never be held anyway */
		lens[i] = (uint32_t)len;
		size += len;
	}
	/* Written out before it would pass the bound: memory stays under it
	 * (but for a single record larger than the bound). */
	if (spool->len && spool->len + size > spool->memory_limit &&
	    spill(spool) != 0)
		return -2;
	if (reserve(spool, size) != 0)
		return -1;
	p = spool->buf + spool->len;
	memcpy(p, lens, HEADER_SIZE);
	for (p += HEADER_SIZE, i = 0; i < FIELDS; p += lens[i++])
		memcpy(p, s[i], lens[i]);
	spool->len += size;
	spool->count++;
	return 0;
}

/* The size of the record whose header is at `p`, or 0 when its lengths
 * are impossible. */
static size_t record_size(const char *p)
{
	uint32_t lens[FIELDS];
	size_t size = HEADER_SIZE, i;

	memcpy(lens, p, HEADER_SIZE);
	for (i = 0; i < FIELDS; i++) {
		if (lens[i] == 0)
			return 0;
		size += lens[i];
	}
	return size;
}

/* The record at `p` (whole): 0, or -1 if malformed. */
static int decode(const char *p, struct cdh_spooled_record *out)
{
	const char **field[FIELDS] = { &out->scope, &out->type, &out->id,
				       &out->attributes };
	uint32_t lens[FIELDS];
	size_t i;

	memcpy(lens, p, HEADER_SIZE);
	for (p += HEADER_SIZE, i = 0; i < FIELDS; p += lens[i++]) {
		if (p[lens[i] - 1] != '\0')
			return -1;
		*field[i] = p;
	}
	return 0;
}

struct visit {
	cdh_record_spool_fn fn;
	void *data;
	int rc;        /* fn's non-zero return */
	int malformed; /* what was read is not what was written */
	size_t wanted; /* the size of an incomplete record, once known */
};

/* Visits the whole records of p[0..len); the bytes used. */
static size_t visit_records(struct visit *v, const char *p, size_t len)
{
	struct cdh_spooled_record record;
	size_t used = 0, size;

	v->wanted = 0;
	while (v->rc == 0 && !v->malformed && len - used >= HEADER_SIZE) {
		size = record_size(p + used);
		if (size > len - used) {
			v->wanted = size;
			break;
		}
		if (size == 0 || decode(p + used, &record) != 0) {
			v->malformed = 1;
			break;
		}
		used += size;
		v->rc = v->fn(&record, v->data);
	}
	return used;
}

static int read_error(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "cannot read the cycle's records back: %s", why);
	return -1;
}

/* Reads the file's next bytes after the `len` kept in `buf`: the count,
 * or -1 with err. */
static ssize_t read_more(const struct cdh_record_spool *spool, char *buf,
			 size_t cap, size_t len, uint64_t at, char *err,
			 size_t errlen)
{
	ssize_t n;

	do
		n = at < spool->file_size
			    ? pread(spool->fd, buf + len, cap - len, (off_t)at)
			    : 0;
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return read_error(err, errlen, strerror(errno));
	if (n == 0)
		return read_error(err, errlen, "the file is shorter than written");
	return n;
}

/* Visits the records on file, READ_SIZE bytes at a time. 0, -1 with err. */
static int visit_file(const struct cdh_record_spool *spool, struct visit *v,
		      char *err, size_t errlen)
{
	size_t cap = READ_SIZE, len = 0, used;
	char *buf = malloc(cap), *grown;
	uint64_t at = 0;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return read_error(err, errlen, "out of memory");
	while (rc == 0 && v->rc == 0 && !v->malformed &&
	       (at < spool->file_size || len)) {
		if (v->wanted > cap) {
			if (!(grown = realloc(buf, v->wanted))) {
				rc = read_error(err, errlen, "out of memory");
				break;
			}
			buf = grown, cap = v->wanted;
		}
		n = read_more(spool, buf, cap, len, at, err, errlen);
		if (n < 0) {
			rc = -1;
			break;
		}
		at += (uint64_t)n, len += (size_t)n;
		used = visit_records(v, buf, len);
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	free(buf);
	return rc;
}

int cdh_record_spool_each(const struct cdh_record_spool *spool,
			  cdh_record_spool_fn fn, void *data, char *err,
			  size_t errlen)
{
	struct visit v = { fn, data, 0, 0, 0 };

	if (spool->failed) {
		snprintf(err, errlen, "%s", spool->error);
		return -1;
	}
	if (spool->fd >= 0 && visit_file(spool, &v, err, errlen) != 0)
		return -1;
	if (v.rc == 0 && spool->len)
		visit_records(&v, spool->buf, spool->len);
	if (v.malformed)
		return read_error(err, errlen, "malformed");
	return v.rc;
}
