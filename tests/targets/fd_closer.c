/* fd_closer: a program that closes descriptors it did not open, as
 * daemons do with a close-everything loop, and then reuses their numbers.
 *
 * Usage: fd_closer [MAX_SECONDS]
 *
 * On SIGUSR2 it execs itself instead (a program that restarts in place:
 * the same pid, a new image, no agent); it then prints "started" again.
 * Prints "started PID", then allocates and frees a little every 10 ms
 * (something for a heap agent to count).  On SIGUSR1 (a flag; the main
 * loop acts on it) it closes every descriptor from 3 up, prints "closed",
 * and opens PAIRS socketpairs, which take the lowest free numbers: those
 * the closed descriptors had, an attached heap agent's socket among them.
 * From then on, every 10 ms, it writes a numbered 8-byte message into
 * each pair's first end and reads it back from the second: a message
 * that is not the one it wrote (someone else wrote into its socket) or
 * that is missing (someone read it first) is counted.  Once a second it
 * prints "pairs ok N" (N messages checked) or "pairs corrupted N lost M".
 * Nothing else of the program must change when an agent is attached:
 * what leaktop's agent sends or reads through a reused descriptor shows
 * here.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and after MAX_SECONDS
 * (default 600).
 */
#include "target.h"

#include <stdint.h>
#include <sys/socket.h>

#define PAIRS 8

static volatile sig_atomic_t close_now, exec_now;

static void on_usr1(int sig)
{
	(void)sig;
	close_now = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	exec_now = 1;
}

int main(int argc, char **argv)
{
	unsigned max_seconds = target_arg_seconds(argc, argv, 1, 600);
	int pair[PAIRS][2];
	long checked = 0, corrupted = 0, lost = 0, step = 0;
	uint64_t seq = 0;
	struct target_pace pace;
	int open_pairs = 0;
	double last = 0;

	if (max_seconds == 0)
		return target_usage("fd_closer [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, NULL);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	target_say_started();
	target_pace_start(&pace, 100);
	for (;; step++) {
		void *p = malloc(64 + (size_t)(step % 32) * 16);

		free(p);
		if (exec_now) {
			execv("/proc/self/exe", argv);
			return 1;
		}
		if (close_now && !open_pairs) {
			for (int fd = 3; fd < 65536; fd++)
				close(fd);
			target_say("closed\n");
			for (int i = 0; i < PAIRS; i++)
				if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair[i]) != 0)
					return 1;
			open_pairs = 1;
			last = target_now();
		}
		for (int i = 0; open_pairs && i < PAIRS; i++) {
			uint64_t got = 0;
			ssize_t n;

			seq++;
			if (write(pair[i][0], &seq, sizeof(seq)) != (ssize_t)sizeof(seq))
				corrupted++;
			n = read(pair[i][1], &got, sizeof(got));
			if (n < 0)
				lost++;
			else if (n != (ssize_t)sizeof(got) || got != seq)
				corrupted++;
			checked++;
			/* Whatever else is queued is not ours: drain and count. */
			while ((n = read(pair[i][1], &got, sizeof(got))) > 0)
				corrupted++;
		}
		if (open_pairs && target_now() - last >= 1) {
			last = target_now();
			if (corrupted || lost)
				target_say("pairs corrupted %ld lost %ld\n", corrupted, lost);
			else
				target_say("pairs ok %ld\n", checked);
		}
		target_pace_wait(&pace);
	}
}
