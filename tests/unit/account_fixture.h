/*
 * account_fixture - parses one account from libconfig text through the real
 * host table, with config_diag recorded so tests can assert on messages.
 * Header-only (static functions) for test_account_fields, test_credentials
 * and test_describe.
 */
#ifndef ACCOUNT_FIXTURE_H
#define ACCOUNT_FIXTURE_H

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "account/account.h"
#include "config/config_view.h"
#include "plugins/host_table.h"

#define FIXTURE_MAX_DIAGS 32

/* "error:LINE: msg" / "warning:LINE: msg", in report order. */
static char fixture_diags[FIXTURE_MAX_DIAGS][1024];
static int fixture_ndiags;
static struct cdh_host_api fixture_api;

static inline void fixture_record_diag(const struct cdh_config_node *node,
				int32_t level, const char *msg)
{
	if (fixture_ndiags < FIXTURE_MAX_DIAGS)
		snprintf(fixture_diags[fixture_ndiags++],
			 sizeof(fixture_diags[0]), "%s:%d: %s",
			 level <= CDH_LOG_ERROR ? "error" : "warning",
			 cdh_cfg_line(node), msg);
}

/* The real host table, with config_diag recording instead of printing. */
static inline const struct cdh_host_api *fixture_host(void)
{
	fixture_api = *cdh_host_table_get();
	fixture_api.config_diag = fixture_record_diag;
	return &fixture_api;
}

static inline void fixture_print_diags(void)
{
	int i;

	for (i = 0; i < fixture_ndiags; i++)
		fprintf(stderr, "  diag: %s\n", fixture_diags[i]);
}

/*
 * Parses `a = { <body> };` and returns drg_account_parse's result; the
 * account (if any) into *out. Diagnostics are reset first.
 */
static inline int32_t fixture_parse(const char *body, struct drg_account **out)
{
	char text[8192];
	config_t cfg;
	int32_t rc;

	fixture_ndiags = 0;
	*out = NULL;
	snprintf(text, sizeof(text), "a = {\n%s\n};\n", body);
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		fprintf(stderr, "fixture: bad libconfig text, line %d: %s\n%s\n",
			config_error_line(&cfg), config_error_text(&cfg), text);
		config_destroy(&cfg);
		return -100;
	}
	rc = drg_account_parse(fixture_host(),
			       (const struct cdh_config_node *)(void *)
				       config_lookup(&cfg, "a"),
			       out);
	config_destroy(&cfg);
	return rc;
}

/* Index of the first diagnostic containing `needle`, or -1 (and prints all). */
static inline int fixture_find_diag(const char *needle)
{
	int i;

	for (i = 0; i < fixture_ndiags; i++)
		if (strstr(fixture_diags[i], needle))
			return i;
	fprintf(stderr, "no diagnostic contains \"%s\"; got %d:\n", needle,
		fixture_ndiags);
	fixture_print_diags();
	return -1;
}

#endif
