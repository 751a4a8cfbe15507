package procstat

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary play the child server: with CHILD_MODE set it acts out that mode
// instead of running the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("CHILD_MODE") {
	case "":
		os.Exit(m.Run())
	case "serve":
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "served")
		})}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(3)
		}
		fmt.Printf("child ready on http://%s (and more)\n", ln.Addr())
		_ = srv.Serve(ln)
	case "exit":
		fmt.Println("starting, then giving up")
		os.Exit(4)
	case "silent":
		time.Sleep(time.Minute)
	}
}

// TestStartServer starts the test binary as a child: a server is reachable at the URL of its
// ready line and gone after Stop; a child that exits or says nothing in time is an error.
func TestStartServer(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	start := func(mode string, timeout time.Duration) (*Server, error) {
		t.Setenv("CHILD_MODE", mode)
		return StartServer(context.Background(), nil, timeout, self)
	}

	srv, err := start("serve", 10*time.Second)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(srv.URL(), "http://127.0.0.1:"), srv.URL())
	resp, err := http.Get(srv.URL())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "served", string(body))
	require.True(t, srv.Alive())
	srv.Stop()
	require.False(t, srv.Alive())

	_, err = start("exit", 10*time.Second)
	require.ErrorContains(t, err, "exited before it was ready (exit status 4)")

	_, err = start("silent", 200*time.Millisecond)
	require.ErrorContains(t, err, "printed no ready line within 200ms")
}

// TestReadyURL: the base URL is read from the ready lines of the servers started here and of
// servers that name a host or an IPv6 address, without what follows it.
func TestReadyURL(t *testing.T) {
	tests := []struct{ line, want string }{
		{"stytch-emulator ready on http://127.0.0.1:9010 (project project-test-x)", "http://127.0.0.1:9010"},
		{"bare server ready on http://127.0.0.1:41234", "http://127.0.0.1:41234"},
		{"listening on http://[::1]:8080/", "http://[::1]:8080"},
		{"Server ready on http://localhost:3000.", "http://localhost:3000"},
		{"serving http://app.internal.", "http://app.internal"},
		{"no URL here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			require.Equal(t, tt.want, baseURL(tt.line))
		})
	}
}
