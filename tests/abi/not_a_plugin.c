/* not_a_plugin - a shared object without cdh_plugin_entry: must be refused. */
__attribute__((visibility("default"))) int not_a_plugin_answer(void);

int not_a_plugin_answer(void)
{
	return 42;
}
