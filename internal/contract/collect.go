package contract

import (
	"net/http"
	"sync"
)

// TB is the part of testing.TB that Collect needs.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Collect returns a transport wrapper (the shape of target.WithTransport's argument) that checks
// every exchange passing through it; when t ends, each violation fails t with the request it
// names.
func Collect(t TB) func(http.RoundTripper) http.RoundTripper {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatalf("OpenAPI contract: %v", err)
	}
	var mu sync.Mutex
	var errs []error
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, err := range errs {
			t.Errorf("OpenAPI contract: %v", err)
		}
	})
	return func(inner http.RoundTripper) http.RoundTripper {
		if inner == nil {
			inner = http.DefaultTransport
		}
		return c.Transport(inner, func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
}
