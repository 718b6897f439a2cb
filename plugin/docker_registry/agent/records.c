#include "agent/records.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define KEY_MAX 4096

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* ".123456789" after the seconds: up to nine digits, the rest ignored. */
static int32_t fraction(const char **p)
{
	int32_t nano = 0, scale = 100000000;

	if (**p != '.')
		return 0;
	for ((*p)++; isdigit((unsigned char)**p); (*p)++) {
		nano += (**p - '0') * scale;
		scale /= 10;
	}
	return nano;
}

static int zone_offset(const char *p, long *seconds)
{
	int h, m;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*seconds = 0;
		return 0;
	}
	if ((*p != '+' && *p != '-') || (p++, digits(&p, 2, &h)) || *p++ != ':' ||
	    digits(&p, 2, &m) || *p)
		return -1;
	*seconds = (p[-6] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return 0;
}

int drg_records_parse_time(const char *text, int64_t *epoch_second, int32_t *nano)
{
	struct tm tm = { 0 };
	const char *p = text;
	long offset;
	int y, mo, d, h, mi, s;

	if (!text || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != 't') ||
	    (p++, digits(&p, 2, &h)) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &s))
		return -1;
	*nano = fraction(&p);
	if (zone_offset(p, &offset) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
	*epoch_second = (int64_t)timegm(&tm) - offset;
	return 0;
}

static json_object *date_of(const struct drg_memo_entry *f)
{
	json_object *date = json_object_new_object();

	json_object_object_add(date, "epochSecond", json_object_new_int64(f->epoch_second));
	json_object_object_add(date, "nano", json_object_new_int(f->nano));
	return date;
}

static json_object *tagged_attributes(const struct drg_account *acct,
				      const char *repo, const char *tag,
				      const struct drg_memo_entry *f)
{
	json_object *attrs = json_object_new_object(), *labels;
	char name[KEY_MAX];

	snprintf(name, sizeof(name), "%s:%s", repo, tag);
	json_object_object_add(attrs, "name", json_object_new_string(name));
	json_object_object_add(attrs, "account", json_object_new_string(acct->name));
	if (f && f->digest)
		json_object_object_add(attrs, "digest", json_object_new_string(f->digest));
	if (f && f->has_date && acct->sort_tags_by_date)
		json_object_object_add(attrs, "date", date_of(f));
	if (f && f->has_config && acct->inspect_digests) {
		labels = f->labels ? json_tokener_parse(f->labels) : NULL;
		json_object_object_add(attrs, "labels", labels);
		if (f->config_digest)
			json_object_object_add(attrs, "configDigest",
					       json_object_new_string(f->config_digest));
	}
	return attrs;
}

static int32_t emit(const struct cdh_host_api *api, struct cdh_refresh *refresh,
		    const char *scope, const char *type, const char *id,
		    json_object *attributes)
{
	struct cdh_record rec = { sizeof(rec), 0, scope, type, id, NULL };
	int32_t rc;

	rec.attributes = json_object_to_json_string_ext(
		attributes, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = rec.attributes ? api->emit_record(refresh, &rec) : CDH_E_NOMEM;
	json_object_put(attributes);
	return rc;
}

int32_t drg_records_emit_tag(const struct cdh_host_api *api,
			     struct cdh_refresh *refresh,
			     const struct drg_account *acct, const char *repo,
			     const char *tag, const struct drg_memo_entry *facts)
{
	char tag_key[KEY_MAX], id_key[KEY_MAX];
	json_object *image_id;
	int32_t rc;

	if (snprintf(tag_key, sizeof(tag_key), "dockerRegistry:taggedImage:%s:%s:%s",
		     acct->name, repo, tag) >= (int)sizeof(tag_key) ||
	    snprintf(id_key, sizeof(id_key), "dockerRegistry:imageId:%s/%s:%s",
		     acct->registry, repo, tag) >= (int)sizeof(id_key))
		return CDH_OK; /* no registry allows names this long; skip */
	rc = emit(api, refresh, repo, "taggedImage", tag_key,
		  tagged_attributes(acct, repo, tag, facts));
	if (rc != CDH_OK)
		return rc;
	image_id = json_object_new_object();
	json_object_object_add(image_id, "tagKey", json_object_new_string(tag_key));
	json_object_object_add(image_id, "account", json_object_new_string(acct->name));
	return emit(api, refresh, repo, "imageId", id_key, image_id);
}
