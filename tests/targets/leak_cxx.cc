// leak_cxx: a C++ program leaking through operator new.
//
// Usage: leak_cxx [KIB_PER_SEC [MAX_SECONDS]]
//
// Leaks: Session::remember() allocates a std::vector<char> of 8000 bytes
// with new and keeps the pointer for ever, KIB_PER_SEC KiB a second
// (default 256).  Prints "leaked BYTES" (vector payload bytes) once a
// second.  Exits 0 on SIGTERM/SIGINT/SIGHUP and after MAX_SECONDS.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unistd.h>
#include <vector>

namespace app {

class Session {
public:
	__attribute__((noinline)) void remember(std::size_t n)
	{
		kept_.push_back(new std::vector<char>(n, 'x'));
	}
	std::size_t count() const { return kept_.size(); }

private:
	std::vector<std::vector<char> *> kept_;
};

} // namespace app

static void on_stop(int) { _exit(0); }

int main(int argc, char **argv)
{
	double kib = argc > 1 ? atof(argv[1]) : 256;
	unsigned max_seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 600;
	app::Session s;
	const std::size_t block = 8000;
	double owed = 0;
	unsigned long long total = 0;

	std::signal(SIGTERM, on_stop);
	std::signal(SIGINT, on_stop);
	std::signal(SIGHUP, on_stop);
	std::signal(SIGALRM, on_stop);
	alarm(max_seconds);
	std::printf("started %d\n", (int)getpid());
	std::fflush(stdout);
	for (unsigned long step = 1;; step++) {
		for (owed += kib * 1024 / 10; owed >= block; owed -= block) {
			s.remember(block);
			total += block;
		}
		if (step % 10 == 0) {
			std::printf("leaked %llu\n", total);
			std::fflush(stdout);
		}
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, nullptr);
	}
}
