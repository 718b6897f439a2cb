/*
 * delay_proxy - the loopback TCP proxy of bench/delay_proxy.py in C: every
 * chunk read from one side is written to the other ONE_WAY_MS after it was
 * read, in order, so a request and its answer cost one round trip of
 * 2 x ONE_WAY_MS more than without the proxy. Same arguments, output and
 * statistics file as the Python one (bench/README.md, latency mode), but
 * one thread on epoll with nanosecond timers and no GIL, for a machine of
 * its own (`bench/run.sh --proxy c`). On a loaded shared machine one niced
 * thread waits longer for a core than the Python proxy's many threads and
 * overshoots more: each run reports the RTT really added. Numbers, not a
 * test.
 *
 * Usage: delay_proxy UPSTREAM_PORT ONE_WAY_MS LIFETIME_S [STATS_FILE]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define MAX_PAIRS 1024

struct chunk {
	struct chunk *next;
	double read_at;
	size_t len;              /* 0: end of stream */
	char data[];
};

/* One direction of a proxied connection: what was read, not yet written. */
struct dir {
	int src, dst;
	struct chunk *head, *tail;
	int eof_read, eof_sent;
};

/* A proxied connection; to_up carries the client's requests. */
struct pair {
	struct dir to_up, to_client;
	double forwarded;        /* a request went upstream, no answer yet */
	double delivered;        /* an answer went to the client, no request yet */
	int used;
};

struct samples {
	const char *name;
	double *v;
	size_t n, cap;
};

enum { ADDED_UP, ADDED_CLIENT, REGISTRY, CLIENT, NSAMPLES };
static struct samples stats[NSAMPLES] = {
	{ "added_to_upstream", NULL, 0, 0 }, { "added_to_client", NULL, 0, 0 },
	{ "registry", NULL, 0, 0 }, { "client", NULL, 0, 0 },
};
static struct pair pairs[MAX_PAIRS];
static volatile sig_atomic_t stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add(int which, double v)
{
	struct samples *s = &stats[which];

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		double *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return; /* a sample lost, the proxy goes on */
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

/* Reads what src has; timestamps it. Returns -1 when nothing more comes. */
static int read_side(struct pair *p, struct dir *d, int from_upstream)
{
	struct chunk *c = malloc(sizeof(*c) + CHUNK);
	ssize_t n;

	if (!c)
		return 0;
	n = recv(d->src, c->data, CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(c);
		return 0;
	}
	c->read_at = now();
	c->len = n > 0 ? (size_t)n : 0;
	c->next = NULL;
	if (n > 0 && from_upstream && p->forwarded > 0) {
		add(REGISTRY, c->read_at - p->forwarded);
		p->forwarded = 0;
	} else if (n > 0 && !from_upstream && p->delivered > 0) {
		add(CLIENT, c->read_at - p->delivered);
		p->delivered = 0;
	}
	if (d->tail)
		d->tail->next = c;
	else
		d->head = c;
	d->tail = c;
	if (n <= 0)
		d->eof_read = 1;
	return n <= 0 ? -1 : 0;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the peer went: its reader sees the end */
		data += n;
		len -= (size_t)n;
	}
}

/* Writes the chunks that are due; returns when the next one is due. */
static double write_due(struct pair *p, struct dir *d, double delay,
			int from_upstream)
{
	struct chunk *c;
	double t;

	while ((c = d->head) != NULL) {
		t = now();
		if (c->read_at + delay > t)
			return c->read_at + delay;
		if (c->len == 0) {
			shutdown(d->dst, SHUT_WR);
			d->eof_sent = 1;
		} else {
			send_all(d->dst, c->data, c->len);
			t = now();
			add(from_upstream ? ADDED_CLIENT : ADDED_UP, t - c->read_at);
			if (from_upstream)
				p->delivered = t;
			else
				p->forwarded = t;
		}
		d->head = c->next;
		if (!d->head)
			d->tail = NULL;
		free(c);
	}
	return 0;
}

static int connect_upstream(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void accept_one(int ep, int lfd, int upstream_port)
{
	int one = 1, cfd = accept(lfd, NULL, NULL), ufd;
	struct epoll_event ev = { .events = EPOLLIN };
	size_t i;

	if (cfd < 0)
		return;
	for (i = 0; i < MAX_PAIRS && pairs[i].used; i++)
		;
	ufd = i < MAX_PAIRS ? connect_upstream(upstream_port) : -1;
	if (ufd < 0) {
		close(cfd);
		return;
	}
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&pairs[i], 0, sizeof(pairs[i]));
	pairs[i].used = 1;
	pairs[i].to_up = (struct dir){ .src = cfd, .dst = ufd };
	pairs[i].to_client = (struct dir){ .src = ufd, .dst = cfd };
	ev.data.u64 = (uint64_t)i << 1; /* bit 0: from upstream */
	epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
	ev.data.u64 = ((uint64_t)i << 1) | 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ev);
}

static void on_readable(int ep, uint64_t key)
{
	struct pair *p = &pairs[key >> 1];
	int up = (int)(key & 1);
	struct dir *d = up ? &p->to_client : &p->to_up;

	if (p->used && !d->eof_read && read_side(p, d, up) < 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, d->src, NULL);
}

/* Writes what is due everywhere; returns the seconds until the next is due. */
static double service(double delay)
{
	double next = 0, t;
	size_t i;

	for (i = 0; i < MAX_PAIRS; i++) {
		struct pair *p = &pairs[i];

		if (!p->used)
			continue;
		t = write_due(p, &p->to_up, delay, 0);
		if (t > 0 && (next == 0 || t < next))
			next = t;
		t = write_due(p, &p->to_client, delay, 1);
		if (t > 0 && (next == 0 || t < next))
			next = t;
		if (p->to_up.eof_sent && p->to_client.eof_sent) {
			close(p->to_up.src);
			close(p->to_up.dst);
			p->used = 0;
		}
	}
	if (next == 0)
		return 0.2; /* nothing queued: wake for the lifetime and signals */
	t = next - now();
	return t <= 0 ? 0 : t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void write_stats(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return;
	fputc('{', f);
	for (i = 0; i < NSAMPLES; i++) {
		struct samples *s = &stats[i];
		double sum = 0;
		size_t j;

		fprintf(f, "%s\"%s\": {\"count\": %zu", i ? ", " : "", s->name, s->n);
		if (s->n) {
			qsort(s->v, s->n, sizeof(*s->v), cmp);
			for (j = 0; j < s->n; j++)
				sum += s->v[j];
			fprintf(f, ", \"mean\": %.9f, \"median\": %.9f", sum / (double)s->n,
				s->n % 2 ? s->v[s->n / 2]
					 : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2);
		}
		fputc('}', f);
	}
	fputs("}\n", f);
	fclose(f);
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	socklen_t alen = sizeof(a);
	double delay, deadline, timeout;
	struct timespec ts;
	int lfd, ep, port, n, i;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: delay_proxy UPSTREAM_PORT ONE_WAY_MS LIFETIME_S [STATS_FILE]\n");
		return 2;
	}
	port = (int)strtol(argv[1], NULL, 10);
	delay = strtod(argv[2], NULL) / 1000.0;
	deadline = now() + strtod(argv[3], NULL);
	signal(SIGTERM, on_term);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ep = epoll_create1(0);
	if (lfd < 0 || ep < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(lfd, 128) != 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
		return 1;
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	ev.data.u64 = UINT64_MAX;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	timeout = 0.2;
	while (!stop && now() < deadline) {
		/* Nanoseconds: epoll_wait's milliseconds would wake early and spin. */
		ts.tv_sec = (time_t)timeout;
		ts.tv_nsec = (long)((timeout - (double)ts.tv_sec) * 1e9);
		n = epoll_pwait2(ep, evs, 64, &ts, NULL);
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == UINT64_MAX)
				accept_one(ep, lfd, port);
			else
				on_readable(ep, evs[i].data.u64);
		}
		timeout = service(delay);
	}
	if (argc == 5)
		write_stats(argv[4]);
	return 0;
}
