/*
 * test_access.c - the access policy (server/access.c) and the connection
 * table (server/conns.c) without a socket: Host parsing and the allow-list,
 * token comparison and sources (query, bearer, cookie among others), the
 * failure limit per address, the cross-site rule, redaction; peer names,
 * eviction of the oldest waiting connection and the request deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "conns.h"
#include "log.h"
#include "tblimits.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef"

static tb_access *make(const char *allowed, const char *token)
{
	tb_access_opts o = { .allowed_hosts = allowed, .bound_host = "tb-bound.example", .token = token,
			     .port = 6006 };
	tb_access *a = tb_access_new(&o);
	assert_non_null(a);
	return a;
}

static void test_hosts(void **state)
{
	(void)state;
	tb_access *a = make(" Proxy.Example. ,other.example", NULL);
	const char *yes[] = { NULL, "localhost", "LOCALHOST:6006", "localhost.", "a.b.localhost:1",
			      "127.0.0.1", "127.9.9.9:80", "[::1]:6006", "[0:0::1]", "::1",
			      "proxy.example", "PROXY.EXAMPLE:443", "other.example", "tb-bound.example:6006" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(tb_access_host_allowed(a, yes[i]));
	const char *no[] = { "", "evil.example", "localhost.evil.example", "localhostx", "proxy.example.evil",
			     "xproxy.example", "[::2]", "128.0.0.1", "127.0.0.1.nip.io", "[::1", "0.0.0.0" };
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(tb_access_host_allowed(a, no[i]));
	char host[256];
	assert_int_equal(gethostname(host, sizeof host), 0);
	assert_true(tb_access_host_allowed(a, host));
	tb_access_free(a);
	a = make("*", NULL);
	assert_true(tb_access_host_allowed(a, "evil.example"));
	tb_access_free(a);
}

static void test_hsts_hosts(void **state)
{
	(void)state;
	assert_true(tb_access_hsts_host("tb.example.org"));
	assert_true(tb_access_hsts_host("tb.example.org:8443"));
	assert_false(tb_access_hsts_host("localhost:6006"));
	assert_false(tb_access_hsts_host("10.0.0.5:6006"));
	assert_false(tb_access_hsts_host("[2001:db8::1]:6006"));
	assert_false(tb_access_hsts_host(NULL));
}

static void test_token_equal(void **state)
{
	(void)state;
	assert_true(tb_access_token_equal(TOKEN, TOKEN, strlen(TOKEN)));
	assert_false(tb_access_token_equal(TOKEN, TOKEN, strlen(TOKEN) - 1));
	assert_false(tb_access_token_equal(TOKEN, TOKEN "0", strlen(TOKEN) + 1));
	assert_false(tb_access_token_equal(TOKEN, "", 0));
	char other[] = TOKEN;
	other[47] = 'e';
	assert_false(tb_access_token_equal(TOKEN, other, strlen(other)));
	char a[49], b[49];
	assert_int_equal(tb_access_random_token(a), 0);
	assert_int_equal(tb_access_random_token(b), 0);
	assert_int_equal(strlen(a), 48);
	assert_int_not_equal(strcmp(a, b), 0);
	assert_int_equal(strspn(a, "0123456789abcdef"), 48);
}

static void test_authorize(void **state)
{
	(void)state;
	tb_access *none = make(NULL, NULL);
	assert_false(tb_access_token_required(none));
	assert_int_equal(tb_access_authorize(none, "1.2.3.4", NULL, NULL, NULL), TB_AUTH_OK);
	tb_access_free(none);

	tb_access *a = make(NULL, TOKEN);
	assert_true(tb_access_token_required(a));
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL, NULL, NULL), TB_AUTH_MISSING);
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", TOKEN, NULL, NULL), TB_AUTH_LOGIN);
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL, NULL, "Bearer " TOKEN), TB_AUTH_OK);
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL, NULL, "bearer  " TOKEN), TB_AUTH_OK);
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL,
					     "a=1; tbserve-token-6006=" TOKEN "; b=2", NULL), TB_AUTH_OK);
	/* a stale cookie and the right one (another path) */
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL,
					     "tbserve-token-6006=old; tbserve-token-6006=" TOKEN, NULL),
			 TB_AUTH_OK);
	/* other cookies only: no credentials, not a failure */
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL, "tbserve-token-6007=" TOKEN, NULL),
			 TB_AUTH_MISSING);
	assert_int_equal(tb_access_authorize(a, "10.0.0.1", NULL, NULL, "Basic " TOKEN), TB_AUTH_MISSING);
	char cookie[256];
	assert_int_equal(tb_access_set_cookie(a, "/tb", true, cookie, sizeof cookie), 0);
	assert_string_equal(cookie, "tbserve-token-6006=" TOKEN "; Path=/tb/; HttpOnly; SameSite=Strict; Secure");
	assert_int_equal(tb_access_set_cookie(a, "", false, cookie, 20), -ENOSPC);
	tb_access_free(a);
}

static void test_failure_limit(void **state)
{
	(void)state;
	tb_log_level = TB_LOG_ERROR;
	tb_access *a = make(NULL, TOKEN);
	for (int i = 0; i < TB_AUTH_MAX_FAILURES; i++)
		assert_int_equal(tb_access_authorize(a, "10.0.0.2", "wrong", NULL, NULL), TB_AUTH_WRONG);
	/* limited whatever it sends, the right token included */
	assert_int_equal(tb_access_authorize(a, "10.0.0.2", TOKEN, NULL, NULL), TB_AUTH_LIMITED);
	assert_int_equal(tb_access_authorize(a, "10.0.0.2", NULL, NULL, "Bearer " TOKEN), TB_AUTH_LIMITED);
	unsigned left = tb_access_retry_after(a, "10.0.0.2");
	assert_true(left >= 1 && left <= TB_AUTH_WINDOW);
	/* others are not */
	assert_int_equal(tb_access_authorize(a, "10.0.0.3", TOKEN, NULL, NULL), TB_AUTH_LOGIN);
	/* the table is bounded: many addresses reuse entries, nothing breaks */
	char peer[32];
	for (int i = 0; i < 4 * TB_AUTH_PEERS; i++) {
		snprintf(peer, sizeof peer, "10.1.%d.%d", i / 256, i % 256);
		assert_int_equal(tb_access_authorize(a, peer, "x", NULL, NULL), TB_AUTH_WRONG);
	}
	tb_access_free(a);
	tb_log_level = TB_LOG_INFO;
}

static void test_same_site(void **state)
{
	(void)state;
	const char *host = "localhost:6006";
	assert_true(tb_access_same_site("GET", host, "http://evil.example", "cross-site", NULL, NULL, NULL));
	assert_true(tb_access_same_site("HEAD", host, NULL, NULL, NULL, NULL, NULL));
	assert_false(tb_access_same_site("POST", host, NULL, NULL, NULL, NULL, NULL));
	assert_false(tb_access_same_site("POST", host, NULL, NULL, NULL, "application/x-www-form-urlencoded", NULL));
	assert_false(tb_access_same_site("POST", host, NULL, NULL, NULL, "text/plain", NULL));
	assert_false(tb_access_same_site("POST", host, NULL, NULL, "0", NULL, NULL));
	assert_false(tb_access_same_site("POST", host, "http://evil.example", "same-origin", NULL, NULL, NULL));
	assert_false(tb_access_same_site("POST", host, "null", NULL, NULL, NULL, NULL));
	assert_false(tb_access_same_site("POST", host, "http://localhost:6007", NULL, NULL, NULL, NULL));
	assert_false(tb_access_same_site("POST", host, NULL, "cross-site", NULL, NULL, NULL));
	assert_false(tb_access_same_site("PUT", host, NULL, "same-site", NULL, NULL, NULL));
	assert_true(tb_access_same_site("POST", host, NULL, NULL, "1", NULL, NULL));
	assert_true(tb_access_same_site("POST", host, NULL, NULL, NULL, "application/json; charset=utf-8", NULL));
	assert_true(tb_access_same_site("POST", host, NULL, NULL, NULL, NULL, "Bearer x"));
	assert_true(tb_access_same_site("POST", host, "http://LOCALHOST:6006", NULL, NULL, NULL, NULL));
	assert_true(tb_access_same_site("POST", host, NULL, "same-origin", NULL, NULL, NULL));
}

static void test_redact(void **state)
{
	(void)state;
	tb_access *a = make(NULL, TOKEN);
	char line[256] = "GET /?token=" TOKEN "&x=1 and " TOKEN;
	tb_access_redact(a, line);
	assert_string_equal(line, "GET /?token=<token>&x=1 and <token>");
	tb_access_free(a);
}

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static void test_peer_names(void **state)
{
	(void)state;
	char out[TB_PEER_LEN];
	struct sockaddr_in a = v4("192.0.2.7");
	tb_peer_name((struct sockaddr *)&a, out);
	assert_string_equal(out, "192.0.2.7");
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6", &b.sin6_addr);
	tb_peer_name((struct sockaddr *)&b, out);
	assert_string_equal(out, "2001:db8:1:2::/64");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &b.sin6_addr);
	tb_peer_name((struct sockaddr *)&b, out);
	assert_string_equal(out, "10.1.2.3");
	inet_pton(AF_INET6, "::1", &b.sin6_addr);
	tb_peer_name((struct sockaddr *)&b, out);
	assert_string_equal(out, "::1");
}

/* A socket pair end whose shutdown the other end sees as EOF. */
static int pair(int *other)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	*other = sv[1];
	return sv[0];
}

static int is_shut(int other)
{
	char c;
	return recv(other, &c, 1, MSG_DONTWAIT) == 0;
}

static void test_conns_eviction(void **state)
{
	(void)state;
	tb_conns_limits lim = { .max_connections = 6, .max_per_peer = 3, .deadline_ms = 60000 };
	tb_conns *t = tb_conns_start(&lim);
	assert_non_null(t);
	struct sockaddr_in a = v4("10.0.0.1"), b = v4("10.0.0.2"), c = v4("10.0.0.3");
	int fds[12], others[12];
	tb_conn *conns[12];
	bool refused;
	for (int i = 0; i < 3; i++) {
		fds[i] = pair(&others[i]);
		conns[i] = tb_conn_open(t, fds[i], (struct sockaddr *)&a, &refused);
		assert_false(refused);
	}
	tb_conn_busy(conns[1]);
	/* a 4th from a: its oldest waiting one (0) makes room, not the busy one */
	fds[3] = pair(&others[3]);
	conns[3] = tb_conn_open(t, fds[3], (struct sockaddr *)&a, &refused);
	assert_false(refused);
	assert_true(is_shut(others[0]));
	assert_false(is_shut(others[1]));
	/* b and c fill the table; past 6 the crowded address (a: 3) gives way */
	for (int i = 4; i < 8; i++) {
		fds[i] = pair(&others[i]);
		conns[i] = tb_conn_open(t, fds[i], (struct sockaddr *)(i < 6 ? &b : &c), &refused);
		assert_false(refused);
	}
	assert_true(is_shut(others[2]));
	for (int i = 3; i < 8; i++)
		assert_false(is_shut(others[i]));
	assert_int_equal(tb_conns_open_count(t), 6);
	/* when every connection is busy there is nothing to drop: refused */
	for (int i = 3; i < 8; i++)
		tb_conn_busy(conns[i]);
	fds[8] = pair(&others[8]);
	conns[8] = tb_conn_open(t, fds[8], (struct sockaddr *)&c, &refused);
	assert_true(refused);
	assert_int_equal(tb_conns_dropped(t), 3);
	for (int i = 0; i < 9; i++) {
		tb_conn_close(conns[i]);
		close(fds[i]);
		close(others[i]);
	}
	assert_int_equal(tb_conns_open_count(t), 0);
	tb_conns_stop(t);
}

static void test_conns_deadline(void **state)
{
	(void)state;
	tb_conns_limits lim = { .max_connections = 10, .max_per_peer = 10, .deadline_ms = 300 };
	tb_conns *t = tb_conns_start(&lim);
	struct sockaddr_in a = v4("10.0.0.1");
	int o1, o2, o3;
	int f1 = pair(&o1), f2 = pair(&o2), f3 = pair(&o3);
	bool refused;
	tb_conn *waiting = tb_conn_open(t, f1, (struct sockaddr *)&a, &refused);
	tb_conn *busy = tb_conn_open(t, f2, (struct sockaddr *)&a, &refused);
	tb_conn *renewed = tb_conn_open(t, f3, (struct sockaddr *)&a, &refused);
	tb_conn_busy(busy);
	usleep(200 * 1000);
	tb_conn_waiting(renewed); /* answered: its deadline starts again */
	usleep(250 * 1000);
	assert_false(is_shut(o3)); /* 450 ms old, 250 ms since its answer */
	usleep(250 * 1000);
	assert_true(is_shut(o1));
	assert_false(is_shut(o2));
	usleep(400 * 1000);
	assert_true(is_shut(o3));
	assert_false(is_shut(o2));
	tb_conn_close(waiting);
	tb_conn_close(busy);
	tb_conn_close(renewed);
	close(f1), close(f2), close(f3), close(o1), close(o2), close(o3);
	tb_conns_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_hsts_hosts),
		cmocka_unit_test(test_token_equal),
		cmocka_unit_test(test_authorize),
		cmocka_unit_test(test_failure_limit),
		cmocka_unit_test(test_same_site),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_peer_names),
		cmocka_unit_test(test_conns_eviction),
		cmocka_unit_test(test_conns_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
