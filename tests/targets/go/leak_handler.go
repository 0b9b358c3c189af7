// leak_handler: seed story 1, a goroutine that can never finish.
//
// A request loop calls handler RATE times a second (default 5).  Each call
// starts longRunningTask in a goroutine that sends its 100 kB result on an
// unbuffered channel nobody ever reads, and returns.  Every request leaves
// one goroutine blocked forever: +RATE goroutines/s, status waiting, wait
// reason "chan send", in main.longRunningTask, created by main.handler.
// Nothing else grows: the main goroutine and the runtime's own goroutines
// stay as they are.  The buffers the blocked goroutines hold are the Go
// heap's growth, +RATE x 100 kB/s live, allocated in main.longRunningTask
// (the runtime's heap profile sees them because the program can write a
// heap profile, as a service with a pprof endpoint can: the Go linker
// turns heap profiling off in a program that cannot).
//
// Usage: leak_handler [RATE [SECONDS]]; exits after SECONDS (default 60),
// writing a heap profile to $HEAPPROFILE if set.  Prints "ready" first.
package main

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
	result := make(chan []byte)
	go longRunningTask(result)
	return id // answers without waiting for result
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
