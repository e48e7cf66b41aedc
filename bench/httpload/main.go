// Command httpload sends a fixed number of GET requests over a few
// keep-alive connections, and fails if any is not answered 200 with a body.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
)

func main() {
	url := flag.String("url", "", "URL to GET")
	requests := flag.Int64("requests", 20000, "requests in all")
	conns := flag.Int("connections", 8, "concurrent keep-alive connections")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "httpload: -url is required")
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: *conns,
		DisableCompression:  true,
	}}
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range *conns {
		wg.Go(func() {
			for next.Add(1) <= *requests {
				if err := get(client, *url); err != nil {
					if failed.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "httpload:", err)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "httpload: %d of %d requests failed\n", n, *requests)
		os.Exit(1)
	}
}

func get(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || n == 0 {
		return fmt.Errorf("GET %s: %s, %d bytes", url, resp.Status, n)
	}
	return nil
}
