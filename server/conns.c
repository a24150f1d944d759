/*
 * conns.c - connection table, deadlines and eviction (see conns.h).
 *
 * One list under one mutex; every decision scans it (at most
 * TB_HTTP_MAX_CONNECTIONS + TB_HTTP_CONN_RESERVE entries, microseconds).
 * The watchdog thread wakes four times a second.
 */
#include "conns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct tb_conn {
	tb_conns *t;
	int fd;
	bool busy;
	bool dropped;        /* shut down by us; closing */
	uint64_t since_ms;   /* opened, or previous answer sent */
	char peer[TB_PEER_LEN];
	tb_conn *prev, *next;
};

struct peer_count {
	const char *peer;
	unsigned n;
	bool waiting;        /* has a waiting connection (a possible victim) */
};

struct tb_conns {
	tb_conns_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	tb_conn *head, *tail; /* oldest first */
	unsigned n;           /* not dropped */
	unsigned long dropped;
	struct peer_count *scratch; /* largest_peer's table */
	size_t scratch_cap;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void tb_peer_name(const struct sockaddr *addr, char out[TB_PEER_LEN])
{
	out[0] = '\0';
	if (!addr)
		return;
	if (addr->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, out, TB_PEER_LEN);
	} else if (addr->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			inet_ntop(AF_INET, &a->s6_addr[12], out, TB_PEER_LEN);
		} else if (IN6_IS_ADDR_LOOPBACK(a)) {
			snprintf(out, TB_PEER_LEN, "::1");
		} else {
			struct in6_addr prefix;
			memset(&prefix, 0, sizeof prefix);
			memcpy(prefix.s6_addr, a->s6_addr, 8);
			char text[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, &prefix, text, sizeof text);
			snprintf(out, TB_PEER_LEN, "%s/64", text);
		}
	}
}

/* Caller holds the lock. */
static void drop(tb_conns *t, tb_conn *c, const char *why)
{
	c->dropped = true;
	t->n--;
	t->dropped++;
	shutdown(c->fd, SHUT_RDWR);
	tb_log(TB_LOG_DEBUG, "http: dropped a connection from %s (%s)", c->peer, why);
}

/* Oldest waiting connection other than except, of peer (or of any peer). */
static tb_conn *oldest_waiting(tb_conns *t, const char *peer, const tb_conn *except)
{
	for (tb_conn *c = t->head; c; c = c->next)
		if (c != except && !c->busy && !c->dropped && (!peer || !strcmp(c->peer, peer)))
			return c;
	return NULL;
}

static unsigned count_peer(tb_conns *t, const char *peer)
{
	unsigned n = 0;
	for (tb_conn *c = t->head; c; c = c->next)
		n += !c->dropped && !strcmp(c->peer, peer);
	return n;
}

static uint32_t hash_peer(const char *p)
{
	uint32_t h = 2166136261u;
	while (*p)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

/* The peer holding the most connections that has one waiting: one pass,
 * counting peers in an open-addressing table (t->scratch, sized at least
 * twice the connections so it never fills). */
static const char *largest_peer(tb_conns *t, const tb_conn *except)
{
	size_t total = 0;
	for (tb_conn *c = t->head; c; c = c->next)
		total++;
	size_t cap = 64;
	while (cap < 2 * total)
		cap *= 2;
	if (cap > t->scratch_cap) {
		struct peer_count *v = realloc(t->scratch, cap * sizeof *v);
		if (!v)
			return NULL;
		t->scratch = v;
		t->scratch_cap = cap;
	}
	cap = t->scratch_cap;
	memset(t->scratch, 0, cap * sizeof *t->scratch);
	const char *best = NULL;
	unsigned best_n = 0;
	for (tb_conn *c = t->head; c; c = c->next) {
		if (c->dropped)
			continue;
		size_t i = hash_peer(c->peer) & (cap - 1);
		while (t->scratch[i].peer && strcmp(t->scratch[i].peer, c->peer))
			i = (i + 1) & (cap - 1);
		t->scratch[i].peer = c->peer;
		t->scratch[i].n++;
		t->scratch[i].waiting |= c != except && !c->busy;
		if (t->scratch[i].waiting && t->scratch[i].n > best_n) {
			best = c->peer;
			best_n = t->scratch[i].n;
		}
	}
	return best;
}

tb_conn *tb_conn_open(tb_conns *t, int fd, const struct sockaddr *addr, bool *refused)
{
	*refused = false;
	tb_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->t = t;
	c->fd = fd;
	c->since_ms = now_ms();
	tb_peer_name(addr, c->peer);
	pthread_mutex_lock(&t->lock);
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->n++;
	if (count_peer(t, c->peer) > t->lim.max_per_peer) {
		tb_conn *victim = oldest_waiting(t, c->peer, c);
		if (victim)
			drop(t, victim, "per-address limit");
		else
			*refused = true;
	}
	if (!*refused && t->n > t->lim.max_connections) {
		/* drop a batch, not one: each dropped connection holds its slot in
		 * the HTTP library until that library's thread gets to close it,
		 * and new clients should not queue behind those closes */
		unsigned target = t->lim.max_connections - t->lim.max_connections / 32;
		while (t->n > target) {
			const char *peer = largest_peer(t, c);
			tb_conn *victim = peer ? oldest_waiting(t, peer, c) : NULL;
			if (!victim)
				break;
			drop(t, victim, "connection limit");
		}
		*refused = t->n > t->lim.max_connections;
	}
	if (*refused) {
		c->dropped = true;
		t->n--;
		t->dropped++;
	}
	pthread_mutex_unlock(&t->lock);
	return c;
}

void tb_conn_busy(tb_conn *c)
{
	pthread_mutex_lock(&c->t->lock);
	c->busy = true;
	pthread_mutex_unlock(&c->t->lock);
}

void tb_conn_waiting(tb_conn *c)
{
	pthread_mutex_lock(&c->t->lock);
	c->busy = false;
	c->since_ms = now_ms();
	pthread_mutex_unlock(&c->t->lock);
}

void tb_conn_close(tb_conn *c)
{
	tb_conns *t = c->t;
	pthread_mutex_lock(&t->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	if (!c->dropped)
		t->n--;
	pthread_mutex_unlock(&t->lock);
	free(c);
}

const char *tb_conn_peer(const tb_conn *c)
{
	return c->peer;
}

unsigned tb_conns_open_count(tb_conns *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->n;
	pthread_mutex_unlock(&t->lock);
	return n;
}

unsigned long tb_conns_dropped(tb_conns *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned long n = t->dropped;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static void *watchdog(void *arg)
{
	tb_conns *t = arg;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		uint64_t now = now_ms();
		for (tb_conn *c = t->head; c; c = c->next)
			if (!c->busy && !c->dropped && now - c->since_ms > t->lim.deadline_ms)
				drop(t, c, "request deadline");
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->wake, &t->lock, &ts);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

tb_conns *tb_conns_start(const tb_conns_limits *limits)
{
	tb_conns *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->lim = *limits;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if (pthread_create(&t->thread, NULL, watchdog, t)) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

void tb_conns_stop(tb_conns *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	while (t->head)
		tb_conn_close(t->head);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t->scratch);
	free(t);
}
