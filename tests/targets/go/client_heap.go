// client_heap: seed story 4, a client created per request and never
// closed, beside a bounded cache.
//
// A request loop calls handle RATE times a second (default 10).  Each call
// creates a client with a 64 KiB bufio reader and a 64 KiB bufio writer
// (like a gRPC client's newBufWriter and bufio.NewReaderSize) and never
// calls its Close: the clients stay registered, so the Go heap grows by
// RATE x 128 KiB/s, allocated in bufio.NewReaderSize and
// bufio.NewWriterSize called from main.newClient.  Each call also caches
// its 16 KiB response in a cache bounded to 64 entries, filled before
// "ready" (steady: an entry evicted per entry added), and builds the
// request in a 32 KiB scratch buffer that is garbage at once (churn).
// Neither may be flagged.
//
// It links runtime/pprof, as a service with a pprof endpoint does: the Go
// linker turns heap profiling off in a program that cannot write a heap
// profile.  Usage: client_heap [RATE [SECONDS]]; exits after SECONDS
// (default 60), writing a heap profile to $HEAPPROFILE if set.  Prints
// "ready" first.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

type client struct {
	id   int
	conn *bytes.Buffer
	r    *bufio.Reader
	w    *bufio.Writer
}

var open = map[int]*client{} // clients not closed yet

//go:noinline
func newClient(id int) *client {
	c := &client{id: id, conn: &bytes.Buffer{}}
	c.r = bufio.NewReaderSize(c.conn, 64<<10)
	c.w = bufio.NewWriterSize(c.conn, 64<<10)
	open[id] = c
	return c
}

// Close is what the handler forgets to call.
func (c *client) Close() { delete(open, c.id) }

const cacheMax = 64

type cache struct {
	m     map[int][]byte
	order []int
}

//go:noinline
func (c *cache) put(k int, v []byte) {
	if len(c.order) >= cacheMax {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}

//go:noinline
func response(id int) []byte {
	b := make([]byte, 16<<10)
	b[0] = byte(id)
	return b
}

var sink int
var last []byte // escapes, so the scratch buffer is on the heap

//go:noinline
func scratch(id int) int {
	b := make([]byte, 32<<10)
	b[id%len(b)] = 1
	last = b
	return int(b[0]) + len(b)
}

var responses = &cache{m: map[int][]byte{}}

//go:noinline
func handle(id int) {
	c := newClient(id) // no defer c.Close(): the leak
	c.w.WriteString("GET /item/")
	c.w.WriteString(strconv.Itoa(id))
	c.w.Flush()
	sink += scratch(id)
	responses.put(id, response(id))
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
	rate, secs := arg(1, 10), arg(2, 60)
	for i := -cacheMax; i < 0; i++ {
		responses.put(i, response(i))
	}
	fmt.Println("ready")
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		handle(i)
		time.Sleep(time.Second / time.Duration(rate))
	}
	if path := os.Getenv("HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}
