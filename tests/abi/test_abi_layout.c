/*
 * test_abi_layout - pins the ABI 1.x struct layout (LP64): 1.0, then what
 * 1.1 appended. A failing
 * _Static_assert here means a change broke every plugin already built:
 * grow structs only at the end, and bump the minor version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cdh_plugin.h"

#define AT(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field)
#define SIZE(type, n) _Static_assert(sizeof(struct type) == (n), #type " size")

_Static_assert(sizeof(void *) == 8, "layout pinned for LP64");

AT(cdh_record, struct_size, 0);
AT(cdh_record, scope, 8);
AT(cdh_record, type, 16);
AT(cdh_record, id, 24);
AT(cdh_record, attributes, 32);
SIZE(cdh_record, 40);

AT(cdh_host_api, struct_size, 0);
AT(cdh_host_api, abi_minor, 4);
AT(cdh_host_api, log, 8);
AT(cdh_host_api, monotonic_ns, 16);
AT(cdh_host_api, strerror, 24);
AT(cdh_host_api, cfg_type, 32);
AT(cdh_host_api, cfg_name, 40);
AT(cdh_host_api, cfg_line, 48);
AT(cdh_host_api, cfg_count, 56);
AT(cdh_host_api, cfg_at, 64);
AT(cdh_host_api, cfg_member, 72);
AT(cdh_host_api, cfg_string, 80);
AT(cdh_host_api, cfg_int, 88);
AT(cdh_host_api, cfg_bool, 96);
AT(cdh_host_api, config_diag, 104);
AT(cdh_host_api, is_cancelled, 112);
AT(cdh_host_api, deadline_ns, 120);
AT(cdh_host_api, emit_record, 128);
AT(cdh_host_api, scope_result, 136);
AT(cdh_host_api, count_request, 144);
AT(cdh_host_api, gauge, 152);
AT(cdh_host_api, cfg_file, 160);
/* since 1.1 */
AT(cdh_host_api, cache_ids, 168);
AT(cdh_host_api, cache_get, 176);
AT(cdh_host_api, cache_scope, 184);
AT(cdh_host_api, previous_records, 192);
AT(cdh_host_api, scope_observed, 200);
AT(cdh_host_api, progress, 208);
SIZE(cdh_host_api, 216);

AT(cdh_instance_info, agent_count, 4);
AT(cdh_instance_info, interval_ms, 8);
SIZE(cdh_instance_info, 16);

AT(cdh_plugin_ops, init, 8);
AT(cdh_plugin_ops, shutdown, 16);
AT(cdh_plugin_ops, validate_config, 24);
AT(cdh_plugin_ops, create, 32);
AT(cdh_plugin_ops, agent_name, 40);
AT(cdh_plugin_ops, refresh, 48);
AT(cdh_plugin_ops, destroy, 56);
AT(cdh_plugin_ops, reconfigure, 64);
AT(cdh_plugin_ops, describe, 72);
AT(cdh_plugin_ops, verify, 80);
/* since 1.1 */
AT(cdh_plugin_ops, query, 88);
AT(cdh_plugin_ops, refresh_scope, 96);
/* Added during 1.1, before its release (events to Echo, #16). */
AT(cdh_plugin_ops, describe_change, 104);
AT(cdh_plugin_ops, event_threshold, 112);
SIZE(cdh_plugin_ops, 120);

/* since 1.1 */
AT(cdh_query, method, 8);
AT(cdh_query, path, 16);
AT(cdh_query, user, 24);
AT(cdh_query, admin, 32);
AT(cdh_query, argc, 36);
AT(cdh_query, argv, 40);
AT(cdh_query, cache, 48);
AT(cdh_query, host_data, 56);
AT(cdh_query, param, 64);
AT(cdh_query, can_read, 72);
AT(cdh_query, account, 80);
AT(cdh_query, set_status, 88);
AT(cdh_query, set_content_type, 96);
AT(cdh_query, write, 104);
AT(cdh_query, fail, 112);
/* Added during 1.1, before its release (push notifications, #15). */
AT(cdh_query, body, 120);
AT(cdh_query, body_len, 128);
AT(cdh_query, account_name, 136);
AT(cdh_query, request_refresh, 144);
AT(cdh_query, wait_refresh, 152);
SIZE(cdh_query, 160);

AT(cdh_plugin_desc, magic, 4);
AT(cdh_plugin_desc, name, 8);
AT(cdh_plugin_desc, version, 16);
AT(cdh_plugin_desc, description, 24);
AT(cdh_plugin_desc, config_section, 32);
AT(cdh_plugin_desc, flags, 40);
AT(cdh_plugin_desc, ops, 48);
/* since 1.1 */
AT(cdh_plugin_desc, cli_name, 56);
AT(cdh_plugin_desc, settings, 64);
AT(cdh_plugin_desc, setting_count, 72);
AT(cdh_plugin_desc, route_aliases, 80);
SIZE(cdh_plugin_desc, 88);
/* Descriptor flags are bits plugins already carry: never renumbered. */
_Static_assert(CDH_PLUGIN_SCOPE_BESIDE_REFRESH == 1u, "desc flag bit 0");

/* since 1.1 */
AT(cdh_setting, type, 4);
AT(cdh_setting, name, 8);
AT(cdh_setting, flag, 16);
AT(cdh_setting, default_value, 24);
AT(cdh_setting, help, 32);
AT(cdh_setting, flags, 40);
AT(cdh_setting, min, 48);
AT(cdh_setting, max, 56);
AT(cdh_setting, item_flag, 64);
AT(cdh_setting, add_help, 72);
AT(cdh_setting, remove_help, 80);
AT(cdh_setting, exclusive, 88);
AT(cdh_setting, exclusive_message, 96);
SIZE(cdh_setting, 104);

AT(cdh_negotiate_in, abi_major, 4);
AT(cdh_negotiate_in, abi_minor_max, 8);
AT(cdh_negotiate_in, signature, 12);
AT(cdh_negotiate_in, api, 16);
SIZE(cdh_negotiate_in, 24);

AT(cdh_negotiate_out, abi_major, 4);
AT(cdh_negotiate_out, abi_minor, 8);
AT(cdh_negotiate_out, signature, 12);
AT(cdh_negotiate_out, desc, 16);
AT(cdh_negotiate_out, abi_minor_required, 24);
SIZE(cdh_negotiate_out, 32);
_Static_assert(CDH_NEGOTIATE_OUT_SIZE_1_0 == 32, "1.0 answer size");
_Static_assert(CDH_NEGOTIATE_IN_SIZE_1_0 == 24, "1.0 offer size");

/* Result codes are values plugins already return: never renumbered. 1.1
 * appended one after 1.0's last (CDH_E_ABI, -6). */
_Static_assert(CDH_E_ABI == -6, "1.0's last code");
_Static_assert(CDH_E_CREDENTIALS == -7, "since 1.1: rejected credentials");

static void dummy_log(int32_t level, const char *who, const char *msg)
{
	(void)level, (void)who, (void)msg;
}

/* An older host's table ends before newer functions: HAS must say so. */
static void host_has_respects_struct_size(void **state)
{
	struct cdh_host_api api = { 0 };

	(void)state;
	api.log = dummy_log;
	api.struct_size = offsetof(struct cdh_host_api, log) + sizeof(api.log);
	assert_true(CDH_HOST_HAS(&api, log));
	assert_false(CDH_HOST_HAS(&api, monotonic_ns));
	api.struct_size = sizeof(api);
	assert_false(CDH_HOST_HAS(&api, monotonic_ns)); /* NULL pointer */
	assert_false(CDH_HOST_HAS((const struct cdh_host_api *)NULL, log));
}

/* A host's answer struct of the 1.0 size has room for every 1.0 field. */
static void negotiate_out_has_respects_the_hosts_size(void **state)
{
	struct cdh_negotiate_out out = { 0 };

	(void)state;
	out.struct_size = CDH_NEGOTIATE_OUT_SIZE_1_0;
	assert_true(CDH_NEGOTIATE_OUT_HAS(&out, abi_minor_required));
	out.struct_size = offsetof(struct cdh_negotiate_out, abi_minor_required);
	assert_false(CDH_NEGOTIATE_OUT_HAS(&out, abi_minor_required));
	assert_true(CDH_NEGOTIATE_OUT_HAS(&out, desc));
}

static void signature_encodes_type_sizes(void **state)
{
	(void)state;
	assert_int_equal(CDH_ABI_SIGNATURE >> 8, sizeof(void *));
	assert_int_equal(CDH_ABI_SIGNATURE & 0xff, sizeof(size_t));
	/* Only what crosses the boundary: no long, no time_t (#12). */
	assert_int_equal(CDH_ABI_SIGNATURE, 0x0808);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_has_respects_struct_size),
		cmocka_unit_test(negotiate_out_has_respects_the_hosts_size),
		cmocka_unit_test(signature_encodes_type_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
