#include "api/http_limits.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "util/log.h"

/* The soft descriptor limit after raising it to the hard one. */
static rlim_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			cdh_log(CDH_LOG_WARN, NULL,
				"cannot raise the open files limit from %llu: %s",
				(unsigned long long)was, strerror(errno));
			rl.rlim_cur = was;
		}
	}
	return rl.rlim_cur;
}

void cdh_http_limits_choose(const struct cdh_config *config,
			    struct cdh_http_limits *out)
{
	rlim_t files = raise_fd_limit();
	rlim_t half = files == RLIM_INFINITY ? (rlim_t)1 << 30 : files / 2;
	unsigned max = config->max_connections;

	if (!max)
		max = half < CDH_DEFAULT_MAX_CONNECTIONS ?
			      (half ? (unsigned)half : 1) :
			      CDH_DEFAULT_MAX_CONNECTIONS;
	else if (max > half)
		cdh_log(CDH_LOG_WARN, NULL,
			"host.maxConnections %u is more than half the open files "
			"limit (%llu): idle clients can starve reloads and refreshes",
			max, (unsigned long long)files);
	out->max_connections = max;
	out->max_per_address = config->max_connections_per_address;
	out->idle_timeout_seconds = config->idle_timeout_seconds;
	out->allowed_hosts = &config->allowed_hosts;
	out->allowed_hosts_set = config->allowed_hosts_set;
	cdh_log(CDH_LOG_INFO, NULL,
		"HTTP API: at most %u connections, %u per address (0: any), "
		"idle ones closed after %u s; open files limit %llu",
		out->max_connections, out->max_per_address,
		out->idle_timeout_seconds, (unsigned long long)files);
}
