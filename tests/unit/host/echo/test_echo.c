/*
 * test_echo - the Echo sender's queue: nothing is queued while sending is
 * off; a full queue drops (counted, logged once a minute at most) instead
 * of waiting; stopping with events queued returns at once, and the event
 * it cuts short is no failure; /metrics names every counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo/echo.h"

/* stderr (the log) goes to a file between capture_start and capture_end. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_start(void)
{
	captured = tmpfile();
	assert_non_null(captured);
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	dup2(fileno(captured), 2);
}

/* What was logged since capture_start (a new string). */
static char *capture_end(void)
{
	long n;
	char *text;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	n = ftell(captured);
	text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	assert_non_null(text);
	rewind(captured);
	if (n > 0)
		assert_int_equal(fread(text, 1, (size_t)n, captured), (size_t)n);
	fclose(captured);
	return text;
}

static size_t count_of(const char *text, const char *what)
{
	size_t n = 0;

	for (; (text = strstr(text, what)); text++)
		n++;
	return n;
}

static void nothing_is_queued_while_off(void **state)
{
	char err[256];
	struct cdh_echo *echo = cdh_echo_new(err, sizeof(err));
	struct cdh_echo_stats st;

	(void)state;
	assert_non_null(echo);
	assert_false(cdh_echo_enabled(echo));
	assert_int_equal(cdh_echo_post(echo, "{}"), -1);
	cdh_echo_get_stats(echo, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.queued, 0);
	cdh_echo_free(echo);
}

/* A loopback socket that listens and never accepts: a post to it waits. */
static int silent_server(char *url, size_t len)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &alen), 0);
	snprintf(url, len, "http://127.0.0.1:%u", ntohs(addr.sin_port));
	return fd;
}

static void a_full_queue_drops_instead_of_waiting(void **state)
{
	char err[256], url[64];
	struct cdh_echo *echo = cdh_echo_new(err, sizeof(err));
	struct cdh_echo_stats st;
	int fd = silent_server(url, sizeof(url));
	char *log;
	size_t i;

	(void)state;
	assert_int_equal(cdh_echo_configure(echo, url, 1000), 0);
	assert_true(cdh_echo_enabled(echo));
	for (i = 0; i < CDH_ECHO_QUEUE_MAX; i++)
		assert_int_equal(cdh_echo_post(echo, "{\"n\":1}"), 0);
	capture_start();
	assert_int_equal(cdh_echo_post(echo, "{\"n\":2}"), -1);
	assert_int_equal(cdh_echo_post(echo, "{\"n\":3}"), -1);
	log = capture_end();
	/* Said once, not once per event. */
	assert_int_equal(count_of(log, "dropped: the queue is full"), 1);
	assert_non_null(strstr(log, "echo: 1 event(s) dropped"));
	free(log);
	cdh_echo_get_stats(echo, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.queued, CDH_ECHO_QUEUE_MAX);
	assert_int_equal(st.sent, 0);
	cdh_echo_free(echo); /* aborts the post in flight */
	close(fd);
}

/* An event in flight when cdhost stops: Echo did not fail it, so it is
 * neither counted nor logged as a failure. */
static void stopping_during_a_post_is_no_failure(void **state)
{
	char err[256], url[64], *log;
	struct cdh_echo *echo = cdh_echo_new(err, sizeof(err));
	int fd = silent_server(url, sizeof(url));
	struct pollfd pfd = { fd, POLLIN, 0 };
	int conn;

	(void)state;
	assert_int_equal(cdh_echo_configure(echo, url, 1000), 0);
	assert_int_equal(cdh_echo_post(echo, "{\"n\":1}"), 0);
	/* Its connection, accepted and never answered: the POST is in flight. */
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	conn = accept(fd, NULL, NULL);
	assert_true(conn >= 0);
	capture_start();
	cdh_echo_free(echo);
	log = capture_end();
	assert_null(strstr(log, "error"));
	assert_null(strstr(log, "aborted"));
	assert_non_null(strstr(log, "info  echo: an event being sent at stop "
				    "was not sent"));
	free(log);
	close(conn);
	close(fd);
}

static void metrics_name_every_counter(void **state)
{
	char err[256];
	struct cdh_echo *echo = cdh_echo_new(err, sizeof(err));
	struct cdh_text out = CDH_TEXT_INIT;
	const char *text;

	(void)state;
	cdh_echo_suppressed(echo, 4);
	cdh_echo_metrics(echo, &out);
	text = cdh_text_str(&out);
	assert_non_null(strstr(text, "cdhost_echo_events_sent_total 0\n"));
	assert_non_null(strstr(text, "cdhost_echo_events_failed_total 0\n"));
	assert_non_null(strstr(text, "cdhost_echo_events_retries_total 0\n"));
	assert_non_null(strstr(text, "cdhost_echo_events_dropped_total 0\n"));
	assert_non_null(strstr(text, "cdhost_echo_events_suppressed_total 4\n"));
	assert_non_null(strstr(text, "# TYPE cdhost_echo_queue_depth gauge\n"
				     "cdhost_echo_queue_depth 0\n"));
	cdh_text_release(&out);
	cdh_echo_free(echo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_is_queued_while_off),
		cmocka_unit_test(a_full_queue_drops_instead_of_waiting),
		cmocka_unit_test(stopping_during_a_post_is_no_failure),
		cmocka_unit_test(metrics_name_every_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
