// exit_soon: a Go program whose goroutines change all the time and that
// exits while it is being read.
//
// It keeps GOROUTINES goroutines (default 2000) churning: each sleeps
// 1-3 ms and exits, and is replaced at once, so runtime.allgs and the
// goroutines in it change under a reader; dead goroutines are reused.  It
// exits by itself (status 0) after SECONDS (default 3).  Nothing leaks.
//
// Usage: exit_soon [GOROUTINES [SECONDS]].  Prints "ready" first.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func churn(slot int, again chan<- int) {
	time.Sleep(time.Duration(1+slot%3) * time.Millisecond)
	again <- slot
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
	n, secs := arg(1, 2000), arg(2, 3)
	again := make(chan int, n)
	for i := 0; i < n; i++ {
		go churn(i, again)
	}
	fmt.Println("ready")
	end := time.After(time.Duration(secs) * time.Second)
	for {
		select {
		case s := <-again:
			go churn(s, again)
		case <-end:
			os.Exit(0)
		}
	}
}
