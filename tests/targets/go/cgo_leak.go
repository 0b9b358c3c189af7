// cgo_leak: a cgo program that leaks on both heaps.  RATE times a second
// (default 5) the request loop calls handler, which leaks a 64 KiB block
// malloc'd in C (c_leak, the C heap: the heap agent's) and starts
// longRunningTask, which allocates a 100 kB Go buffer and blocks forever
// sending it on a channel nobody reads (the Go heap and a goroutine: the
// Go reader's).  A 4 KiB C block malloc'd and freed per call (c_churn)
// and a steady pool of 4 workers must not be flagged.
//
// Usage: cgo_leak [RATE [SECONDS]]; prints "ready" first.  It links
// runtime/pprof so that the Go runtime keeps its heap profile.
package main

/*
#include <stdlib.h>
#include <string.h>

void *c_leak(size_t n)
{
	void *p = malloc(n);

	if (p)
		memset(p, 1, n);
	return p;
}

void c_churn(size_t n)
{
	void *p = malloc(n);

	if (p)
		memset(p, 2, n);
	free(p);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/pprof"
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
	C.c_leak(64 << 10)
	C.c_churn(4 << 10)
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
		if v, err := strconv.Atoi(os.Args[i]); err == nil && v > 0 {
			return v
		}
	}
	return def
}

func main() {
	rate, secs := arg(1, 5), arg(2, 60)
	jobs := make(chan int)
	for i := 0; i < 4; i++ {
		go worker(jobs)
	}
	fmt.Println("ready")
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		handler(i)
		time.Sleep(time.Second / time.Duration(rate))
	}
	if path := os.Getenv("HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}
