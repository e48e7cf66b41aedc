// Command httpserver is the benchmark's Go target: an HTTP server on
// loopback that exits once it has answered a fixed number of requests, so
// its wall time under a load of that many requests is comparable between
// runs. It prints its address on the first line of stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
)

func main() {
	requests := flag.Int64("requests", 20000, "exit after answering this many requests")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpserver:", err)
		os.Exit(1)
	}
	// A page of some size, so that requests write more than a header.
	body := []byte(strings.Repeat("syscall_exporter benchmark page\n", 64))
	var served atomic.Int64
	enough := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
		if served.Add(1) == *requests {
			close(enough)
		}
	})}
	go srv.Serve(ln)
	fmt.Println(ln.Addr())
	<-enough
	// Shutdown waits for the last responses to be written.
	srv.Shutdown(context.Background())
}
