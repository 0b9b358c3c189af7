/* liblt-agent-v1: stands in for a heap agent of protocol version 1 left
 * loaded in a long-running target by an older leaktop.  Preloaded
 * (LD_PRELOAD) into a target, it is mapped under a name leaktop takes for
 * its agent's; leaktop's injection then calls its lt_agent_start, which
 * connects to the socket in the config and says a version 1 hello (48
 * bytes: version, pid, then fields leaktop must not get to read).  The
 * socket stays open: leaktop is the one to close it. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

__attribute__((visibility("default"))) int lt_agent_start(const char *config)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	unsigned char hello[16 + 48] = {0};
	uint32_t magic = 0x4d41544cU, len = 48, version = 1;
	uint16_t type = 1;
	int32_t pid = (int32_t)getpid();
	const char *s = strstr(config, "sock=");
	size_t n;
	int fd;

	if (!s)
		return -22;
	s += 5;
	n = strcspn(s, ";");
	if (n >= sizeof(a.sun_path))
		return -22;
	memcpy(a.sun_path, s, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -111;
	memcpy(hello, &magic, 4);
	memcpy(hello + 4, &type, 2);
	memcpy(hello + 8, &len, 4);
	memcpy(hello + 16, &version, 4);
	memcpy(hello + 20, &pid, 4);
	if (write(fd, hello, sizeof(hello)) != (ssize_t)sizeof(hello))
		return -5;
	return 0;
}
