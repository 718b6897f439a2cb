#include "plugins/host_table.h"

#include "config/config_view.h"
#include "util/log.h"
#include "store/refresh.h"

const char *cdh_strerror(int32_t code)
{
	switch (code) {
	case CDH_OK:
		return "ok";
	case CDH_E_TRANSIENT:
		return "transient failure";
	case CDH_E_CONFIG:
		return "configuration error";
	case CDH_E_FATAL:
		return "fatal error";
	case CDH_E_CANCELLED:
		return "cancelled";
	case CDH_E_NOMEM:
		return "out of memory";
	case CDH_E_ABI:
		return "ABI mismatch";
	default:
		return "unknown error";
	}
}

/* The table takes finished strings: a plugin's text is never a format. */
static void table_log(int32_t level, const char *who, const char *msg)
{
	cdh_log(level, who, "%s", msg ? msg : "");
}

static void table_config_diag(const struct cdh_config_node *node, int32_t level,
			      const char *msg)
{
	cdh_cfg_diag(node, level, "%s", msg ? msg : "");
}

static const struct cdh_host_api api = {
	.struct_size = sizeof(struct cdh_host_api),
	.abi_minor = CDH_ABI_MINOR,
	.log = table_log,
	.monotonic_ns = cdh_monotonic_ns,
	.strerror = cdh_strerror,
	.cfg_type = cdh_cfg_type,
	.cfg_name = cdh_cfg_name,
	.cfg_line = cdh_cfg_line,
	.cfg_count = cdh_cfg_count,
	.cfg_at = cdh_cfg_at,
	.cfg_member = cdh_cfg_member,
	.cfg_string = cdh_cfg_string,
	.cfg_int = cdh_cfg_int,
	.cfg_bool = cdh_cfg_bool,
	.config_diag = table_config_diag,
	.is_cancelled = cdh_refresh_is_cancelled,
	.deadline_ns = cdh_refresh_deadline,
	.emit_record = cdh_refresh_emit,
	.scope_result = cdh_refresh_scope_result,
	.count_request = cdh_refresh_count_request,
	.gauge = cdh_refresh_gauge,
	.cfg_file = cdh_cfg_file,
};

const struct cdh_host_api *cdh_host_table_get(void)
{
	return &api;
}
