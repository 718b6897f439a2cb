/*
 * find_row - one /find row as text (find_row.h). The record is scanned,
 * not parsed: a strict JSON walk that gives up (0: json-c renders it) on
 * anything json-c might read differently or print differently: a
 * backslash anywhere, control bytes, whitespace or a non-string inside the
 * labels, duplicate labels, nesting over json-c's depth, trailing text.
 */
#include "query/find_row.h"

#include <string.h>

#define DEPTH_MAX 32 /* json-c's default tokener depth */
#define LABELS_MAX 64
/* images.c builds the reference in a buffer of this size. */
#define REFERENCE_MAX 4096

struct span {
	const char *p;
	size_t len;
};

/* The labels object, when it is in plain form: its text and its pairs. */
struct labels {
	struct span text;
	struct span key[LABELS_MAX], value[LABELS_MAX];
	size_t count;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* p at '"': the body up to the closing quote, returning what follows it. */
static const char *string_end(const char *p, struct span *body)
{
	const char *start = ++p;

	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		p++;
	}
	if (*p != '"')
		return NULL;
	body->p = start;
	body->len = (size_t)(p - start);
	return p + 1;
}

static const char *digits(const char *p)
{
	const char *start = p;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > start ? p : NULL;
}

/* A JSON number, strictly: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *number_end(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (!(p = digits(p)))
		return NULL;
	if (*p == '.' && !(p = digits(p + 1)))
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = digits(p);
	}
	return p;
}

static const char *literal_end(const char *p)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (strncmp(p, words[i], strlen(words[i])) == 0)
			return p + strlen(words[i]);
	return number_end(p);
}

static const char *value_end(const char *p, int depth);

/* p after '{' or '[': the rest of the container. */
static const char *container_end(const char *p, char close, int depth)
{
	struct span key;

	p = skip_ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (*p != '"' || !(p = string_end(p, &key)))
				return NULL;
			p = skip_ws(p);
			if (*p++ != ':')
				return NULL;
			p = skip_ws(p);
		}
		if (!(p = value_end(p, depth)))
			return NULL;
		p = skip_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = skip_ws(p);
	}
}

static const char *value_end(const char *p, int depth)
{
	struct span body;

	if (*p == '"')
		return string_end(p, &body);
	if (*p == '{' || *p == '[')
		return depth >= DEPTH_MAX ? NULL
					  : container_end(p + 1, *p == '{' ? '}' : ']',
							  depth + 1);
	return literal_end(p);
}

static int span_is(const struct span *s, const char *text)
{
	return s->len == strlen(text) && memcmp(s->p, text, s->len) == 0;
}

/* The top-level "digest" and "labels" values (the last of each, as json-c
 * keeps). 0, or -1 when the record is not plain enough. */
static int scan_record(const char *p, struct span *digest, struct span *labels)
{
	struct span key;
	const char *value;

	p = skip_ws(p);
	if (*p != '{')
		return -1;
	p = skip_ws(p + 1);
	while (*p != '}') {
		if (*p != '"' || !(p = string_end(p, &key)))
			return -1;
		p = skip_ws(p);
		if (*p++ != ':')
			return -1;
		value = p = skip_ws(p);
		if (!(p = value_end(p, 1)))
			return -1;
		if (span_is(&key, "digest"))
			digest->p = value, digest->len = (size_t)(p - value);
		else if (span_is(&key, "labels"))
			labels->p = value, labels->len = (size_t)(p - value);
		p = skip_ws(p);
		if (*p == ',') {
			p = skip_ws(p + 1);
			if (*p != '"')
				return -1; /* a trailing comma, or worse */
		} else if (*p != '}') {
			return -1;
		}
	}
	return *skip_ws(p + 1) ? -1 : 0;
}

/* A labels object in the form json-c prints: {"k":"v",...}, no spaces,
 * string values, no key twice. 0, or -1. */
static int scan_labels(struct span text, struct labels *l)
{
	const char *p = text.p;
	size_t i;

	l->text = text;
	l->count = 0;
	if (*p++ != '{')
		return -1;
	while (*p != '}') {
		if (l->count == LABELS_MAX || *p != '"' ||
		    !(p = string_end(p, &l->key[l->count])) || *p++ != ':' ||
		    *p != '"' || !(p = string_end(p, &l->value[l->count])))
			return -1;
		for (i = 0; i < l->count; i++)
			if (l->key[i].len == l->key[l->count].len &&
			    memcmp(l->key[i].p, l->key[l->count].p, l->key[i].len) == 0)
				return -1;
		l->count++;
		if (*p == ',' && p[1] != '}')
			p++;
		else if (*p != '}')
			return -1;
	}
	return p + 1 == text.p + text.len ? 0 : -1;
}

static const struct span *label(const struct labels *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (span_is(&l->key[i], key))
			return &l->value[i];
	return NULL;
}

int drg_json_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

struct out {
	char *p;
	size_t len, cap;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || o->len + n >= o->cap) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_s(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* ,"name":"value" */
static void put_field(struct out *o, const char *name, const char *value,
		      size_t len)
{
	put_s(o, ",\"");
	put_s(o, name);
	put_s(o, "\":\"");
	put(o, value, len);
	put_s(o, "\"");
}

static void put_label(struct out *o, const struct labels *l, const char *key)
{
	const struct span *v = l ? label(l, key) : NULL;

	if (v)
		put_field(o, key, v->p, v->len);
}

/* The row once its parts are known (images.c's image_of, as text). */
static void render(struct out *o, const char *account, const char *registry,
		   const char *repo, const char *tag, const struct span *digest,
		   const struct labels *labels, int details)
{
	put_s(o, "{\"repository\":\"");
	put_s(o, repo);
	put_s(o, "\"");
	put_field(o, "tag", tag, strlen(tag));
	put_field(o, "account", account, strlen(account));
	put_field(o, "registry", registry, strlen(registry));
	if (digest->p && digest->p[0] == '"')
		put_field(o, "digest", digest->p + 1, digest->len - 2);
	if (details) {
		put_label(o, labels, "commitId");
		put_label(o, labels, "buildNumber");
		put_label(o, labels, "branch");
	}
	put_s(o, ",\"artifact\":{\"name\":\"");
	put_s(o, repo);
	put_s(o, "\",\"type\":\"docker\"");
	put_field(o, "version", tag, strlen(tag));
	put_s(o, ",\"reference\":\"");
	put_s(o, registry), put_s(o, "/"), put_s(o, repo), put_s(o, ":"), put_s(o, tag);
	put_s(o, "\",\"metadata\":{\"registry\":\"");
	put_s(o, registry);
	put_s(o, "\"");
	if (!details || labels) {
		put_s(o, ",\"labels\":");
		put(o, details ? labels->text.p : "{}", details ? labels->text.len : 2);
	}
	put_s(o, "}}}");
}

size_t drg_find_row(const char *account, const char *registry,
		    const char *repo, const char *tag, const char *attributes,
		    int details, char *out, size_t outlen)
{
	struct span digest = { NULL, 0 }, labels_text = { NULL, 0 };
	struct labels labels;
	struct out o = { out, 0, outlen, 0 };
	int has_labels;

	if (strchr(attributes, '\\') || !drg_json_plain(account) ||
	    !drg_json_plain(registry) || !drg_json_plain(repo) ||
	    !drg_json_plain(tag) ||
	    strlen(registry) + strlen(repo) + strlen(tag) + 2 >= REFERENCE_MAX ||
	    scan_record(attributes, &digest, &labels_text) != 0)
		return 0;
	/* images.c keeps labels only when they are an object. */
	has_labels = details && labels_text.p && labels_text.p[0] == '{';
	if (has_labels && scan_labels(labels_text, &labels) != 0)
		return 0;
	render(&o, account, registry, repo, tag, &digest,
	       has_labels ? &labels : NULL, details);
	if (o.over)
		return 0;
	out[o.len] = '\0';
	return o.len;
}
