#include "api/credentials_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_out.h"
#include "util/text.h"

char *cdh_credentials_list_json(const struct cdh_directory *dir, int expand)
{
	struct cdh_text out = CDH_TEXT_INIT;
	const char *sep = "";
	size_t i;

	cdh_text_puts(&out, "[");
	for (i = 0; i < dir->count; i++) {
		const char *json = expand ? dir->entries[i].expanded_json
					  : dir->entries[i].summary_json;

		if (!json)
			continue;
		cdh_text_puts(&out, sep);
		cdh_text_puts(&out, json);
		sep = ",";
	}
	cdh_text_puts(&out, "]");
	return cdh_text_take(&out);
}

char *cdh_credentials_get_json(const struct cdh_directory *dir, const char *name)
{
	const struct cdh_directory_entry *e = cdh_directory_find(dir, name);

	return e && e->expanded_json ? strdup(e->expanded_json) : NULL;
}

char *cdh_credentials_not_found_json(const char *name)
{
	char message[1024];

	snprintf(message, sizeof(message), "Account does not exist (name: %s)", name);
	return cdh_json_error(404, "Not Found", message);
}
