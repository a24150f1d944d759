/*
 * conns.h - the server's connections as a table: request deadlines and
 * room for new clients.
 *
 * libmicrohttpd closes a connection only after TB_HTTP_IDLE_TIMEOUT seconds
 * without a byte, so a client trickling one byte every few seconds keeps it
 * forever, and a flood of idle connections fills every slot. This table
 * knows, for each open connection, its client's address and whether it is
 * still waiting for a complete request ("waiting") or being answered
 * ("busy"), and applies two rules:
 *
 *  - Deadline: a waiting connection that has not delivered a complete
 *    request (headers and body) TB_HTTP_REQUEST_DEADLINE seconds after it
 *    opened or after its previous answer is shut down by a watchdog thread.
 *  - Capacity: a new connection is always let in. If its address now holds
 *    more than TB_HTTP_MAX_PER_IP connections, that address's oldest waiting
 *    connection is shut down; if the server holds more than
 *    TB_HTTP_MAX_CONNECTIONS, the oldest waiting connection of the address
 *    holding the most is. Only when there is no waiting connection to drop
 *    is the new one refused. (The HTTP library's own ceiling is set
 *    TB_HTTP_CONN_RESERVE higher, so shut-down connections can drain.)
 *
 * Dropping means shutdown(2) of the socket: the HTTP library sees the end
 * of the stream and closes the connection itself, in its own thread. This
 * is safe because a connection is removed from the table (under the
 * table's lock) before the library closes its descriptor.
 *
 * Addresses are compared as "peer names" (tb_peer_name): IPv4 addresses
 * whole, IPv6 addresses by their /64 prefix, which one client controls.
 *
 * Ownership: the table owns its entries; tb_conn_close() frees one.
 */
#ifndef TB_CONNS_H
#define TB_CONNS_H

#include <stdbool.h>
#include <sys/socket.h>

#define TB_PEER_LEN 64

typedef struct tb_conns tb_conns;
typedef struct tb_conn tb_conn;

/* Limits of a table (the server uses tblimits.h; tests use small ones). */
typedef struct tb_conns_limits {
	unsigned max_connections;
	unsigned max_per_peer;
	unsigned deadline_ms;
} tb_conns_limits;

/* Starts the watchdog thread. NULL on failure. */
tb_conns *tb_conns_start(const tb_conns_limits *limits);
/* Stops the watchdog; every connection must have been closed already. */
void tb_conns_stop(tb_conns *t);

/* A newly accepted connection on socket fd (waiting for its first
 * request). Sets *refused when it must be shut down at once (its address
 * is full of busy connections); the entry is still returned and must be
 * closed. NULL when out of memory. */
tb_conn *tb_conn_open(tb_conns *t, int fd, const struct sockaddr *addr, bool *refused);
/* A complete request arrived: no deadline until it has been answered. */
void tb_conn_busy(tb_conn *c);
/* The answer was sent: the deadline for the next request starts now. */
void tb_conn_waiting(tb_conn *c);
/* The connection is closing (before its descriptor is closed). */
void tb_conn_close(tb_conn *c);
/* The client address's peer name (valid until tb_conn_close). */
const char *tb_conn_peer(const tb_conn *c);

/* Connections open and connections dropped so far (for tests). */
unsigned tb_conns_open_count(tb_conns *t);
unsigned long tb_conns_dropped(tb_conns *t);

/* "127.0.0.1", "2001:db8:1:2::/64": one client's address as the limits
 * count it (IPv4-mapped IPv6 addresses as IPv4). */
void tb_peer_name(const struct sockaddr *addr, char out[TB_PEER_LEN]);

#endif
