// ticker_pool: seed story 2, a ticker that starts a new watcher each time,
// beside a steady worker pool.
//
// A ticker fires RATE times a second (default 4) and re-runs initWatcher,
// which starts fetchZkName in a new goroutine that waits forever to
// receive from its own channel: +RATE goroutines/s, waiting in "chan
// receive" in main.fetchZkName, created by main.initWatcher.
//
// Beside it, a pool of WORKERS goroutines (default 8) in main.worker takes
// jobs from one channel, fed 50 times a second.  Its size never changes:
// it must not be flagged, although its goroutines wait in "chan receive"
// too.
//
// Usage: ticker_pool [RATE [WORKERS [SECONDS]]]; exits after SECONDS
// (default 60).  Prints "ready" first.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

var done int

func fetchZkName(changes <-chan string) {
	for name := range changes { // never sent to, never closed
		fmt.Println(name)
	}
}

//go:noinline
func initWatcher() {
	changes := make(chan string)
	go fetchZkName(changes)
}

func worker(jobs <-chan int, results chan<- int) {
	for j := range jobs {
		results <- j * 2
	}
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
	rate, workers, secs := arg(1, 4), arg(2, 8), arg(3, 60)
	jobs, results := make(chan int), make(chan int, 100)
	for i := 0; i < workers; i++ {
		go worker(jobs, results)
	}
	go func() {
		for r := range results {
			done += r & 1
		}
	}()
	fmt.Println("ready")
	tick := time.NewTicker(time.Second / time.Duration(rate))
	feed := time.NewTicker(20 * time.Millisecond)
	end := time.After(time.Duration(secs) * time.Second)
	for {
		select {
		case <-tick.C:
			initWatcher()
		case <-feed.C:
			jobs <- 1
		case <-end:
			return
		}
	}
}
