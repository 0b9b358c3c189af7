// many_goroutines: N goroutines parked on a channel receive (default
// 10,000), for timing readers of goroutines (make bench), plus a probe
// that measures the pauses the program sees: a goroutine sleeps 1 ms in
// a loop and, every PERIOD ms (default 200), prints "gap MAX_US" with the
// longest time between two of its wake-ups in that period, minus the
// millisecond it slept.  A stop of the whole process (a debugger's) or of
// the world (a goroutine profile) shows there.  Serves net/http/pprof on
// 127.0.0.1 and prints "ready PORT" once the goroutines exist.
//
// Usage: many_goroutines [N [SECONDS [PERIOD_MS]]]
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

func parked(c <-chan int) {
	<-c
}

func arg(i int, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil && v > 0 {
			return v
		}
	}
	return def
}

func main() {
	n, secs, period := arg(1, 10000), arg(2, 120), arg(3, 200)
	c := make(chan int)
	for i := 0; i < n; i++ {
		go parked(c)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	go http.Serve(ln, nil)
	fmt.Println("ready", ln.Addr().(*net.TCPAddr).Port)
	end := time.Now().Add(time.Duration(secs) * time.Second)
	last, start := time.Now(), time.Now()
	var max time.Duration
	for time.Now().Before(end) {
		time.Sleep(time.Millisecond)
		now := time.Now()
		if d := now.Sub(last) - time.Millisecond; d > max {
			max = d
		}
		last = now
		if now.Sub(start) >= time.Duration(period)*time.Millisecond {
			fmt.Println("gap", max.Microseconds())
			max, start = 0, now
		}
	}
}
