/* A bounded HTTP/1.0 GET client (lt_httpget.h). */
#include "lt_httpget.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lt_clock.h"

#define HEAD_MAX (64 * 1024)   /* status line and headers */

int lt_httpget_parse(const char *url, struct lt_url *u, lt_err *err)
{
	const char *p, *h, *he, *slash;
	size_t hl;
	long port = 80;

	memset(u, 0, sizeof(*u));
	if (!url || strncmp(url, "http://", 7) != 0) {
		lt_err_set(err, LT_EXIT_USAGE, "--pprof '%s': an http:// URL "
			   "(http://127.0.0.1:6060)", url ? url : "");
		return -1;
	}
	h = url + 7;
	slash = strchr(h, '/');
	he = slash ? slash : h + strlen(h);
	if (he - h >= (long)sizeof(u->hostport)) {
		lt_err_set(err, LT_EXIT_USAGE, "--pprof: host too long");
		return -1;
	}
	memcpy(u->hostport, h, (size_t)(he - h));
	if (*h == '[') {
		p = memchr(h, ']', (size_t)(he - h));
		if (!p)
			goto bad;
		hl = (size_t)(p - h - 1);
		if (hl >= sizeof(u->host))
			goto bad;
		memcpy(u->host, h + 1, hl);
		p++;
	} else {
		p = memchr(h, ':', (size_t)(he - h));
		if (!p)
			p = he;
		hl = (size_t)(p - h);
		if (hl >= sizeof(u->host))
			goto bad;
		memcpy(u->host, h, hl);
	}
	if (p < he) {
		char *end;

		if (*p != ':' || p + 1 == he)
			goto bad;
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (end != he || errno || port < 1 || port > 65535)
			goto bad;
	}
	u->port = (int)port;
	if (!strcmp(u->host, "localhost"))
		snprintf(u->host, sizeof(u->host), "127.0.0.1");
	if (!u->host[0])
		goto bad;
	if (slash) {
		size_t n = strcspn(slash, "?#");

		if (n >= sizeof(u->path)) {
			lt_err_set(err, LT_EXIT_USAGE, "--pprof: path too long");
			return -1;
		}
		memcpy(u->path, slash, n);
		/* No trailing slash: paths are appended to it. */
		while (n > 0 && u->path[n - 1] == '/')
			u->path[--n] = '\0';
	}
	{
		struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM}, *ai;

		if (getaddrinfo(u->host, NULL, &hints, &ai) != 0) {
			lt_err_set(err, LT_EXIT_USAGE, "--pprof '%s': the host must be a "
				   "numeric address or localhost (no DNS)", url);
			return -1;
		}
		freeaddrinfo(ai);
	}
	return 0;
bad:
	lt_err_set(err, LT_EXIT_USAGE, "--pprof '%s': not http://HOST[:PORT][/PATH]", url);
	return -1;
}

/* Case-insensitive: does header line [l, e) have name n?  Sets *v to the
 * value, blanks skipped. */
static int header(const char *l, const char *e, const char *n, const char **v)
{
	size_t k = strlen(n);

	if ((size_t)(e - l) <= k || strncasecmp(l, n, k) != 0 || l[k] != ':')
		return 0;
	for (l += k + 1; l < e && (*l == ' ' || *l == '\t'); l++)
		;
	*v = l;
	return 1;
}

/* A decimal number in [s, e), without overflow: 0, or -1. */
static int number(const char *s, const char *e, uint64_t *out)
{
	uint64_t v = 0;

	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s == e)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Decodes a chunked body b[0..*n) in place. */
static int unchunk(unsigned char *b, size_t *n, lt_err *err)
{
	size_t in = 0, out = 0;

	for (;;) {
		uint64_t size = 0;
		int digits = 0;

		while (in < *n && digits < 16) {
			int c = b[in], d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0)
				break;
			size = size * 16 + (uint64_t)d;
			digits++;
			in++;
		}
		if (!digits)
			goto bad;
		while (in < *n && b[in] != '\n')  /* extensions, CR */
			in++;
		if (in++ >= *n)
			goto bad;
		if (!size)
			break;
		if (size > *n - in)
			goto bad;
		memmove(b + out, b + in, size);
		out += size;
		in += size;
		if (in + 2 > *n || b[in] != '\r' || b[in + 1] != '\n')
			goto bad;
		in += 2;
	}
	*n = out;
	return 0;
bad:
	lt_err_set(err, LT_EXIT_TARGET, "malformed chunked HTTP body");
	return -1;
}

int lt_httpget_response(unsigned char *resp, size_t n, size_t *off,
			size_t *blen, lt_err *err)
{
	const char *s = (const char *)resp, *end = NULL, *l, *e, *v;
	uint64_t clen = 0;
	int have_len = 0, chunked = 0, status;

	for (size_t i = 0; i + 3 < n && i < HEAD_MAX; i++)
		if (!memcmp(resp + i, "\r\n\r\n", 4)) {
			end = s + i + 2;  /* after the last header's CRLF */
			break;
		}
	if (!end) {
		lt_err_set(err, LT_EXIT_TARGET, "no complete HTTP response header");
		return -1;
	}
	if (end - s < 12 || strncmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9') {
		lt_err_set(err, LT_EXIT_TARGET, "not an HTTP/1.x response");
		return -1;
	}
	status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (status != 200) {
		char why[64];
		size_t k = 0;

		for (l = s + 12; l < end && *l != '\r' && k + 1 < sizeof(why); l++)
			why[k++] = *l >= 0x20 && *l < 0x7f ? *l : '?';
		why[k] = '\0';
		lt_err_set(err, LT_EXIT_TARGET, "HTTP status %d%s", status, why);
		return -1;
	}
	for (l = (const char *)memchr(s, '\n', (size_t)(end - s)) + 1; l < end; l = e + 1) {
		e = memchr(l, '\n', (size_t)(end - l));
		if (!e)
			break;
		if (header(l, e, "Content-Length", &v)) {
			if (number(v, e[-1] == '\r' ? e - 1 : e, &clen) < 0) {
				lt_err_set(err, LT_EXIT_TARGET, "bad Content-Length");
				return -1;
			}
			have_len = 1;
		} else if (header(l, e, "Transfer-Encoding", &v)) {
			chunked = !strncasecmp(v, "chunked", 7);
		}
	}
	*off = (size_t)(end + 2 - s);
	*blen = n - *off;
	if (chunked)
		return unchunk(resp + *off, blen, err);
	if (have_len) {
		if (clen > *blen) {
			lt_err_set(err, LT_EXIT_TARGET, "HTTP body truncated (%zu of %llu bytes)",
				   *blen, (unsigned long long)clen);
			return -1;
		}
		*blen = (size_t)clen;
	}
	return 0;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timeout. */
static int wait_fd(int fd, short ev, double deadline)
{
	for (;;) {
		double left = deadline - lt_clock_mono();
		struct pollfd p = {.fd = fd, .events = ev};
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

static int connect_to(const struct lt_url *u, double deadline, lt_err *err)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM}, *ai;
	char port[8];
	int fd, e = 0;
	socklen_t el = sizeof(e);

	snprintf(port, sizeof(port), "%d", u->port);
	if (getaddrinfo(u->host, port, &hints, &ai) != 0) {
		lt_err_set(err, LT_EXIT_TARGET, "bad address %s", u->host);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS)
		e = errno;
	freeaddrinfo(ai);
	if (fd < 0 || e) {
		e = fd < 0 ? errno : e;
		goto fail;
	}
	if (!wait_fd(fd, POLLOUT, deadline)) {
		e = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e)
		goto fail;
	return fd;
fail:
	lt_err_set(err, LT_EXIT_TARGET, "cannot connect to %s: %s", u->hostport,
		   strerror(e ? e : errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int lt_httpget(const struct lt_url *u, const char *path, size_t max,
	       double timeout_s, unsigned char **body, size_t *len, lt_err *err)
{
	double deadline = lt_clock_mono() + timeout_s;
	char req[512];
	size_t cap = 64 * 1024, n = 0, sent = 0, off, blen;
	unsigned char *buf = NULL;
	int fd, rl;

	*body = NULL;
	*len = 0;
	rl = snprintf(req, sizeof(req), "GET %s%s HTTP/1.0\r\nHost: %s\r\n"
		      "User-Agent: leaktop\r\nConnection: close\r\n\r\n",
		      u->path, path, u->hostport);
	if (rl < 0 || (size_t)rl >= sizeof(req)) {
		lt_err_set(err, LT_EXIT_USAGE, "URL too long");
		return -1;
	}
	fd = connect_to(u, deadline, err);
	if (fd < 0)
		return -1;
	while (sent < (size_t)rl) {
		ssize_t w;

		if (!wait_fd(fd, POLLOUT, deadline))
			goto timeout;
		w = send(fd, req + sent, (size_t)rl - sent, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			lt_err_set(err, LT_EXIT_TARGET, "sending to %s: %s", u->hostport, strerror(errno));
			goto fail;
		}
		sent += w > 0 ? (size_t)w : 0;
	}
	buf = lt_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max + HEAD_MAX) {
				lt_err_set(err, LT_EXIT_TARGET, "response from %s larger than %zu bytes",
					   u->hostport, max);
				goto fail;
			}
			cap = cap * 2 > max + HEAD_MAX ? max + HEAD_MAX : cap * 2;
			buf = lt_xrealloc(buf, cap);
		}
		if (!wait_fd(fd, POLLIN, deadline))
			goto timeout;
		r = recv(fd, buf + n, cap - n, 0);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			lt_err_set(err, LT_EXIT_TARGET, "reading from %s: %s", u->hostport, strerror(errno));
			goto fail;
		}
		n += (size_t)r;
	}
	close(fd);
	fd = -1;
	if (lt_httpget_response(buf, n, &off, &blen, err) < 0)
		goto fail;
	if (blen > max) {
		lt_err_set(err, LT_EXIT_TARGET, "body larger than %zu bytes", max);
		goto fail;
	}
	memmove(buf, buf + off, blen);
	*body = buf;
	*len = blen;
	return 0;
timeout:
	lt_err_set(err, LT_EXIT_TARGET, "no answer from %s within %gs", u->hostport, timeout_s);
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}
