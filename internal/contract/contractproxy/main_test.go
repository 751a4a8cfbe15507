package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// syncBuffer is a bytes.Buffer safe for the proxy's goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProxyJudgesTheTraffic runs the proxy in front of an upstream, sends it the given requests,
// stops it and reads its verdict: the emulator's answers pass, a drifted answer is a violation
// that names the request, and a run that carried nothing fails.
func TestProxyJudgesTheTraffic(t *testing.T) {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret))
	createUser := func(base string) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodPost, base+"/v1/users", strings.NewReader(`{"email":"proxy@example.com"}`))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		return http.DefaultClient.Do(req)
	}
	// drifted answers users.create with user_id renamed, as a careless change to the emulator would.
	drifted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		emulator.New().ServeHTTP(rec, r)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(bytes.Replace(rec.Body.Bytes(), []byte(`"user_id"`), []byte(`"userid"`), 1))
	})
	cases := []struct {
		name     string
		upstream http.Handler
		requests int
		wantErr  string
		wantOut  string
	}{
		{"the emulator's answers conform", emulator.New(), 3, "", "3 exchanges checked against the OpenAPI description, 0 violations"},
		{"a renamed field is a violation", drifted, 1, "1 exchanges broke the OpenAPI contract", "VIOLATION POST /v1/users answered 201 with a body that does not match"},
		{"no traffic proves nothing", emulator.New(), 0, "no exchange passed through the proxy", "0 exchanges checked"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			upstream := httptest.NewServer(tc.upstream)
			defer upstream.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			outR, outW := io.Pipe()
			var rest syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"--target", upstream.URL}, outW, io.Discard)
				outW.Close()
			}()
			lines := bufio.NewScanner(outR)
			require.True(t, lines.Scan(), "the proxy prints its ready line")
			base, ok := strings.CutPrefix(lines.Text(), "contract proxy ready on ")
			require.True(t, ok, lines.Text())
			copied := make(chan struct{})
			go func() {
				defer close(copied)
				_, _ = io.Copy(&rest, outR)
			}()

			for range tc.requests {
				resp, err := createUser(base)
				require.NoError(t, err)
				resp.Body.Close()
			}
			cancel()
			err := <-done
			<-copied
			if tc.wantErr == "" {
				require.NoError(t, err, rest.String())
			} else {
				require.ErrorContains(t, err, tc.wantErr)
			}
			require.Contains(t, rest.String(), tc.wantOut)
		})
	}
}

// TestProxyRefusesABadTarget shows a target that is not a base URL is refused before listening.
func TestProxyRefusesABadTarget(t *testing.T) {
	for _, target := range []string{"", "127.0.0.1:9010", "http://"} {
		err := run(context.Background(), []string{"--target", target}, io.Discard, io.Discard)
		require.ErrorContains(t, err, "--target must be a base URL", target)
	}
}

// TestViolationsAreBounded: a run with many violations counts them all but keeps and prints only
// the first maxKept.
func TestViolationsAreBounded(t *testing.T) {
	var v violations
	for i := range maxKept + 50 {
		v.count()
		v.add(fmt.Errorf("GET /v1/users/%d: drifted", i))
	}
	var out bytes.Buffer
	require.ErrorContains(t, v.report(&out), fmt.Sprintf("%d exchanges broke the OpenAPI contract", maxKept+50))
	require.Len(t, v.errs, maxKept)
	require.Equal(t, maxKept, strings.Count(out.String(), "VIOLATION "))
	require.Contains(t, out.String(), "... and 50 more violations\n")
	require.Contains(t, out.String(), fmt.Sprintf("%d exchanges checked against the OpenAPI description, %d violations", maxKept+50, maxKept+50))
}
