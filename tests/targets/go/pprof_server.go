// pprof_server: seed story 1 behind net/http/pprof, for a binary built
// with -ldflags="-s -w" (no DWARF: its runtime cannot be located from
// outside, and leaktop must say so and offer --pprof).
//
// Serves net/http/pprof on 127.0.0.1:PORT (0: a free port) and prints
// "ready PORT".  A request loop calls handler RATE times a second
// (default 5): each starts longRunningTask, which allocates a 100 kB
// buffer and blocks forever sending it on a channel nobody reads:
// +RATE goroutines/s in main.longRunningTask, created by main.handler,
// and +RATE x 100 kB/s of Go heap allocated there.  A pool of 4 workers
// blocked on a channel stays as it is and must not be flagged.  Each
// request that asks for a GC (a query with gc=, as /debug/pprof/heap?gc=1)
// prints "request URI" on stdout.
//
// Usage: pprof_server [RATE [SECONDS [PORT]]]; exits after SECONDS
// (default 60).
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"time"
)

func longRunningTask(result chan<- []byte) {
	buf := make([]byte, 100<<10)
	buf[0] = 1
	result <- buf // never received
}

//go:noinline
func handler(id int) int {
	result := make(chan []byte)
	go longRunningTask(result)
	return id
}

func worker(jobs <-chan int) {
	for range jobs {
	}
}

func arg(i int, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil && v >= 0 {
			return v
		}
	}
	return def
}

func main() {
	rate, secs, port := arg(1, 5), arg(2, 60), arg(3, 0)
	if rate == 0 {
		rate = 1
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("gc") {
			fmt.Println("request", r.URL.RequestURI())
		}
		http.DefaultServeMux.ServeHTTP(w, r)
	}))
	jobs := make(chan int)
	for i := 0; i < 4; i++ {
		go worker(jobs)
	}
	fmt.Println("ready", ln.Addr().(*net.TCPAddr).Port)
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		handler(i)
		time.Sleep(time.Second / time.Duration(rate))
	}
}
