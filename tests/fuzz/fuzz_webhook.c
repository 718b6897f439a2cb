/*
 * Fuzz target: POST /webhooks/docker-registry's body (query/webhook.c), and
 * the on-demand POST's, as the host hands them over (body_len bytes and a
 * NUL after them, NULs inside possible), with two accounts whose registry
 * the events may name.
 */
#include <stdio.h>

#include "fuzz_input.h"
#include "query/webhook.h"

static const char *account_name(const struct cdh_query *q, size_t index)
{
	static const char *const names[] = { "local", "hub" };

	(void)q;
	return index < 2 ? names[index] : NULL;
}

static const char *account(const struct cdh_query *q, const char *name)
{
	(void)q;
	if (strcmp(name, "local") == 0)
		return "{\"name\":\"local\",\"address\":\"http://127.0.0.1:5000\"}";
	if (strcmp(name, "hub") == 0)
		return "{\"name\":\"hub\",\"address\":\"https://index.docker.io\"}";
	return NULL;
}

static int32_t can_read(const struct cdh_query *q, const char *acct)
{
	(void)q;
	return strcmp(acct, "hub") != 0; /* one account readable, one not */
}

static int32_t request_refresh(struct cdh_query *q, const char *acct,
			       const char *scope)
{
	(void)q, (void)scope;
	return account(q, acct) ? CDH_OK : CDH_E_CONFIG;
}

static void set_status(struct cdh_query *q, int32_t status)
{
	(void)q, (void)status;
}

static int32_t write_out(struct cdh_query *q, const char *bytes, size_t len)
{
	(void)q, (void)bytes, (void)len;
	return CDH_OK;
}

static void fail(struct cdh_query *q, int32_t status, const char *message)
{
	(void)q, (void)status, (void)message;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	/* No wait_refresh: on-demand answers 202 without reading the cache. */
	static const struct cdh_host_api host = { 0 };
	struct cdh_query q = { 0 };

	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	q.struct_size = sizeof(q);
	q.method = "POST";
	q.path = "/webhooks/docker-registry";
	q.account = account;
	q.set_status = set_status;
	q.write = write_out;
	q.fail = fail;
	q.body = body;
	q.body_len = size;
	q.account_name = account_name;
	q.request_refresh = request_refresh;
	q.can_read = can_read;
	drg_webhook(&q);
	drg_on_demand(&host, &q);
	free(body);
	return 0;
}
