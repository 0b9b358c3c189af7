/* A small, bounded HTTP/1.0 GET client for a program's own endpoint
 * (net/http/pprof on the same host): plain HTTP over one TCP connection,
 * numeric addresses (or "localhost") only, no redirects, no DNS.
 *
 * Everything the server sends is hostile input: the response is capped,
 * the whole exchange has one deadline, the status line and headers are
 * parsed with bounds, a chunked body is decoded with bounds, and a
 * Content-Length that disagrees with what arrived is an error. */
#ifndef LT_HTTPGET_H
#define LT_HTTPGET_H

#include <stddef.h>

#include "lt_err.h"

struct lt_url {
	char host[64];        /* numeric IPv4 or IPv6 (without brackets) */
	char hostport[80];    /* as given, for the Host header */
	int port;
	char path[256];       /* "" or "/...", no query */
};

/* Parses "http://HOST[:PORT][/PATH]" into *u.  HOST is a numeric IPv4
 * address, "[IPv6]" or "localhost" (127.0.0.1).  Returns 0, or -1 with
 * LT_EXIT_USAGE and why. */
int lt_httpget_parse(const char *url, struct lt_url *u, lt_err *err);

/* GETs path (starting with '/', may carry a query) from u within
 * timeout_s seconds, reading at most max body bytes.  On success returns 0
 * with *body (malloc'd, the caller frees it) and *len; otherwise -1 with
 * LT_EXIT_TARGET and why (connection refused, timeout, HTTP status, too
 * large, malformed), *body NULL. */
int lt_httpget(const struct lt_url *u, const char *path, size_t max,
	       double timeout_s, unsigned char **body, size_t *len, lt_err *err);

/* The body of a complete HTTP/1.x response resp[0..n): 0 with *off and
 * *blen (the body, decoded in place when chunked), or -1 with why.  For
 * lt_httpget and its tests. */
int lt_httpget_response(unsigned char *resp, size_t n, size_t *off,
			size_t *blen, lt_err *err);

#endif
