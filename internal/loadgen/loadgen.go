// Package loadgen is a small closed-loop HTTP load generator: a fixed number of workers, each
// sending one request after another over keep-alive connections for a fixed time. It is what
// `make bench` uses to compare the emulator with baselines measured the same way in the same run.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Request describes the request every worker repeats. The zero value is a GET of URL with no
// headers (URL must be set).
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// WantStatus is the status that counts as success (0 means 200).
	WantStatus int
}

// Result is what a run measured.
type Result struct {
	// OK and Errors count completed requests with and without the wanted status (or a transport error).
	OK, Errors int64
	// Elapsed is the measured wall time.
	Elapsed time.Duration
	// FirstError describes the first failure, if any.
	FirstError string
	// Total counts every request completed during the run, the uncounted warm-up included.
	Total int64
	// P50 and P99 are latency percentiles of the successful requests (zero when there were none).
	P50, P99 time.Duration
}

// Rate is successful requests per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Run sends req from workers goroutines for d (after a warm-up of d/5 that is not counted).
func Run(ctx context.Context, req Request, workers int, d time.Duration) (Result, error) {
	if req.URL == "" {
		return Result{}, fmt.Errorf("loadgen: request needs a URL")
	}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if req.WantStatus == 0 {
		req.WantStatus = http.StatusOK
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}}
	defer client.CloseIdleConnections()

	if _, err := once(ctx, client, req); err != nil {
		return Result{}, fmt.Errorf("loadgen: probe request: %w", err)
	}
	warm := d / 5
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var counting atomic.Bool
	var ok, bad, total atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	lat := make([][]time.Duration, workers) // one slice per worker: no sharing while measuring
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				good, err := once(ctx, client, req)
				if ctx.Err() != nil {
					return
				}
				total.Add(1)
				if !counting.Load() {
					continue
				}
				if good {
					ok.Add(1)
					lat[w] = append(lat[w], time.Since(t0))
					continue
				}
				bad.Add(1)
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	time.Sleep(warm)
	counting.Store(true)
	start := time.Now()
	time.Sleep(d)
	counting.Store(false)
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	res := Result{OK: ok.Load(), Errors: bad.Load(), Elapsed: elapsed, Total: total.Load() + 1} // + the probe
	if all := slices.Concat(lat...); len(all) > 0 {
		slices.Sort(all)
		res.P50, res.P99 = all[len(all)/2], all[min(len(all)-1, len(all)*99/100)]
	}
	if s, _ := firstErr.Load().(string); s != "" {
		res.FirstError = s
	}
	return res, nil
}

// once sends one request and reports whether it had the wanted status.
func once(ctx context.Context, client *http.Client, req Request) (bool, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	r, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return false, err
	}
	for k, v := range req.Header {
		r.Header[k] = v
	}
	resp, err := client.Do(r)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != req.WantStatus {
		return false, fmt.Errorf("status %d, want %d", resp.StatusCode, req.WantStatus)
	}
	return true, nil
}
