/*
 * serve.c - `tbserve --logdir DIR`: bind, print the banner, serve at once,
 * and let the live thread (live.c) load and then follow the logdir.
 *
 * The port is open before the first event file is read: requests answered
 * during the initial load see the data read so far.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "access.h"
#include "app.h"
#include "http.h"
#include "live.h"
#include "log.h"
#include "tblimits.h"

/* TensorBoard scans this many ports up from 6006 when none is given. */
#define PORT_SCAN 100

#include "serve.h"

/* One listening socket on host:port; -errno on failure. */
static int listen_on(const char *host, int port, int bind_all, int *bound_port)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_family = bind_all ? AF_INET6 : AF_UNSPEC;
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	int rc = getaddrinfo(bind_all ? NULL : host, portstr, &hints, &res);
	if (rc && bind_all) {
		hints.ai_family = AF_INET;
		rc = getaddrinfo(NULL, portstr, &hints, &res);
	}
	if (rc)
		return -EADDRNOTAVAIL;
	int err = -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		int one = 1, zero = 0;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6 && bind_all)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof ss;
			getsockname(fd, (struct sockaddr *)&ss, &len);
			*bound_port = ntohs(ss.ss_family == AF_INET6 ?
						    ((struct sockaddr_in6 *)&ss)->sin6_port :
						    ((struct sockaddr_in *)&ss)->sin_port);
			freeaddrinfo(res);
			return fd;
		}
		err = -errno;
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}

/* Is the listening socket bound to a loopback address only? */
static bool bound_to_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* A whole small file (at most TB_TLS_MAX_FILE bytes), NUL-terminated, in
 * *out; 0 or a negative errno (-EFBIG when larger, -EINVAL when empty or
 * not a regular file). */
static int read_small_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	char *buf = NULL;
	if (fstat(fd, &st))
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size == 0)
		rc = -EINVAL;
	else if (st.st_size > (off_t)TB_TLS_MAX_FILE)
		rc = -EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	size_t got = 0;
	while (!rc && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EINVAL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*out = buf;
	return 0;
}

static int read_flag_file(const char *flag, const char *path, char **out)
{
	int rc = read_small_file(path, out);
	if (rc)
		fprintf(stderr, "tbserve: error: cannot read --%s %s: %s\n", flag, path,
			rc == -EINVAL ? "empty or not a regular file" :
			rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
	return rc;
}

/* A token may travel in a URL, a cookie and a header: keep to characters
 * that need no escaping in any of them. */
static bool token_is_safe(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 256)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.' || *p == '~'))
			return false;
	return true;
}

/* The token to require (NULL: none), from --token, $TBSERVE_TOKEN,
 * --token_file or a random one; *generated tells which. 0 or 1 (error,
 * already reported). */
static int choose_token(const tb_flags *f, bool loopback, char **token, bool *generated)
{
	*token = NULL;
	*generated = false;
	if (!strcmp(f->auth, "none"))
		return 0;
	const char *env = getenv("TBSERVE_TOKEN");
	if (f->token) {
		*token = strdup(f->token);
	} else if (f->token_file) {
		char *text;
		if (read_flag_file("token_file", f->token_file, &text))
			return 1;
		text[strcspn(text, "\r\n")] = '\0';
		*token = text;
	} else if (env && env[0]) {
		*token = strdup(env);
	} else if (!strcmp(f->auth, "token") || !loopback) {
		char t[49];
		if (tb_access_random_token(t)) {
			fprintf(stderr, "tbserve: error: no random numbers for a token: %s\n", strerror(errno));
			return 1;
		}
		*token = strdup(t);
		explicit_bzero(t, sizeof t);
		*generated = true;
	} else {
		return 0; /* loopback only and no token asked for */
	}
	if (!*token) {
		fprintf(stderr, "tbserve: error: out of memory\n");
		return 1;
	}
	if (!token_is_safe(*token)) {
		fprintf(stderr, "tbserve: error: the token must be 1 to 256 characters among "
			"A-Z a-z 0-9 - _ . ~\n");
		free(*token);
		*token = NULL;
		return 1;
	}
	if (strlen(*token) < 16)
		tb_log(TB_LOG_WARN, "the token is shorter than 16 characters: easy to guess");
	return 0;
}

static void banner(const tb_flags *f, int asked, int port, const char *token, bool generated)
{
	const char *scheme = f->tls_cert ? "https" : "http";
	const char *host = f->bind_all ? "localhost" : f->host;
	int v6 = strchr(host, ':') != NULL;
	if (asked && port != asked)
		fprintf(stderr, "tbserve: port %d was in use; serving on port %d instead\n", asked, port);
	fprintf(stderr, "tbserve %s at %s://%s%s%s:%d%s/ (Press CTRL+C to quit)\n", TB_VERSION, scheme,
		v6 ? "[" : "", host, v6 ? "]" : "", port, f->path_prefix);
	char me[256];
	if (gethostname(me, sizeof me) != 0 || !me[0])
		snprintf(me, sizeof me, "THIS_HOST");
	me[sizeof me - 1] = '\0';
	if (!f->bind_all && (!strcmp(f->host, "localhost") || !strncmp(f->host, "127.", 4) ||
			     !strcmp(f->host, "::1")))
		fprintf(stderr, "Serving on this machine only. From your laptop: "
			"ssh -L %d:localhost:%d %s, then open %s://localhost:%d%s/ "
			"(or --bind_all to expose it to the network)\n",
			port, port, me, scheme, port, f->path_prefix);
	if (!token)
		return;
	char name[256] = "localhost";
	if (f->bind_all && gethostname(name, sizeof name) == 0)
		name[sizeof name - 1] = '\0';
	else if (!f->bind_all)
		snprintf(name, sizeof name, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
	/* the one place the token is written: the person who started tbserve
	 * needs it to log in */
	if (generated)
		fprintf(stderr, "A token is required. Log in once with %s://%s:%d%s/?token=%s\n", scheme,
			name, port, f->path_prefix, token);
	else
		fprintf(stderr, "A token is required. Log in once with %s://%s:%d%s/?token=YOUR_TOKEN "
			"(the one you gave)\n", scheme, name, port, f->path_prefix);
	fprintf(stderr, "Scripts send it as 'Authorization: Bearer ...'.\n");
}

/* Raise the soft RLIMIT_NOFILE to the hard limit: the default soft limit
 * (1024) is far below what a busy server may need for connections, and
 * raising it needs no privilege. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		tb_log(TB_LOG_WARN, "cannot raise the open file limit from %llu: %s",
		       (unsigned long long)was, strerror(errno));
}

int tb_serve(tb_app *app)
{
	raise_fd_limit();
	const tb_flags *f = app->flags;
	int port = f->port, bound = 0, fd = -1;
	int tries = f->port_given || port == 0 ? 1 : PORT_SCAN;
	for (int i = 0; i < tries; i++) {
		fd = listen_on(f->host, port + i, f->bind_all, &bound);
		if (fd >= 0 || fd != -EADDRINUSE)
			break;
	}
	if (fd < 0) {
		if (fd == -EADDRINUSE)
			fprintf(stderr, "tbserve: error: could not bind to port %d, it was already in use%s\n",
				port, tries > 1 ? " (and so were the next 99)" : "");
		else
			fprintf(stderr, "tbserve: error: could not bind to %s:%d: %s\n", f->host, port,
				strerror(-fd));
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	char *token = NULL, *cert = NULL, *key = NULL;
	bool generated = false;
	tb_access *access = NULL;
	tb_http *http = NULL;
	tb_live *live = NULL;
	int status = 1;
	if (choose_token(f, bound_to_loopback(fd), &token, &generated))
		goto out;
	if (f->tls_cert && (read_flag_file("tls_cert", f->tls_cert, &cert) ||
			    read_flag_file("tls_key", f->tls_key, &key)))
		goto out;
	struct stat st;
	if (key && stat(f->tls_key, &st) == 0 && (st.st_mode & 077))
		tb_log(TB_LOG_WARN, "%s can be read by other users (chmod 600 it)", f->tls_key);
	tb_access_opts ao = { .allowed_hosts = f->allowed_hosts,
			      .bound_host = f->bind_all ? NULL : f->host,
			      .token = token,
			      .port = bound };
	access = tb_access_new(&ao);
	if (!access) {
		fprintf(stderr, "tbserve: error: out of memory\n");
		goto out;
	}
	tb_http_opts ho = { .listen_fd = fd, .access = access, .tls_cert = cert, .tls_key = key };
	char err[512] = "";
	http = tb_http_start(app, &ho, err, sizeof err);
	if (!http) {
		fprintf(stderr, "tbserve: error: could not start the HTTP server%s%s\n",
			err[0] ? ": " : "", err);
		goto out;
	}
	banner(f, port, bound, token, generated);
	live = tb_live_start(app);
	if (!live) {
		fprintf(stderr, "tbserve: error: could not start loading\n");
		goto out;
	}

	int sig = 0;
	do {
		sigwait(&set, &sig);
	} while (sig == SIGPIPE);
	tb_log(TB_LOG_INFO, "stopping (signal %d)", sig);
	status = 0;
out:
	if (live)
		tb_live_stop(live);
	tb_http_stop(http);
	if (live)
		tb_live_free(live);
	tb_access_free(access);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	close(fd);
	return status;
}
