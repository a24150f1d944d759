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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "http.h"
#include "live.h"
#include "log.h"

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

static void banner(const tb_flags *f, int asked, int port)
{
	const char *host = f->bind_all ? "localhost" : f->host;
	int v6 = strchr(host, ':') != NULL;
	if (asked && port != asked)
		fprintf(stderr, "tbserve: port %d was in use; serving on port %d instead\n", asked, port);
	fprintf(stderr, "tbserve %s at http://%s%s%s:%d%s/ (Press CTRL+C to quit)\n", TB_VERSION,
		v6 ? "[" : "", host, v6 ? "]" : "", port, f->path_prefix);
	char me[256];
	if (gethostname(me, sizeof me) != 0 || !me[0])
		snprintf(me, sizeof me, "THIS_HOST");
	me[sizeof me - 1] = '\0';
	if (!f->bind_all && (!strcmp(f->host, "localhost") || !strncmp(f->host, "127.", 4) ||
			     !strcmp(f->host, "::1")))
		fprintf(stderr, "Serving on this machine only. From your laptop: "
			"ssh -L %d:localhost:%d %s, then open http://localhost:%d%s/ "
			"(or --bind_all to expose it to the network)\n",
			port, port, me, port, f->path_prefix);
}

int tb_serve(tb_app *app)
{
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

	tb_http *http = tb_http_start(app, fd);
	if (!http) {
		fprintf(stderr, "tbserve: error: could not start the HTTP server\n");
		close(fd);
		return 1;
	}
	banner(f, port, bound);
	tb_live *live = tb_live_start(app);
	if (!live) {
		fprintf(stderr, "tbserve: error: could not start loading\n");
		tb_http_stop(http);
		close(fd);
		return 1;
	}

	int sig = 0;
	do {
		sigwait(&set, &sig);
	} while (sig == SIGPIPE);
	tb_log(TB_LOG_INFO, "stopping (signal %d)", sig);
	tb_live_stop(live);
	tb_http_stop(http);
	tb_live_free(live);
	close(fd);
	return 0;
}
