package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// servePost sends one API request with ctx to the default project and returns the status and
// error_type.
func servePost(ctx context.Context, t *testing.T, e *Emulator, path string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, path, strings.NewReader(string(raw)))
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(DefaultProjectID+":"+DefaultSecret)))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var out struct {
		ErrorType string `json:"error_type"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	return w.Code, out.ErrorType
}

// A check of a migrated hash that cannot get a slot of the hash gate neither runs nor counts as a
// failed attempt: it gives up when its request ends, or answers 429 when the queue is full.
func TestMigratedHashCheckWaitsForTheGate(t *testing.T) {
	t.Parallel()
	const pw = "a migrated password"
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	tests := []struct {
		name       string
		queue      int
		cancelled  bool
		wantStatus int
		wantType   string
	}{
		{name: "the request ends while it waits", queue: 1, cancelled: true, wantStatus: 499, wantType: "client_closed_request"},
		{name: "the queue is full", queue: -1, wantStatus: http.StatusTooManyRequests, wantType: "too_many_requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One failed attempt would lock the user.
			e := New(WithLockout(1, time.Hour, time.Hour), WithLimits(Limits{PasswordHashChecks: 1, PasswordHashQueue: tt.queue}))
			status, _ := servePost(t.Context(), t, e, "/v1/passwords/migrate", map[string]any{"email": "gate@example.com", "hash": string(hash), "hash_type": "bcrypt"})
			require.Equal(t, http.StatusOK, status)

			release, err := e.cfg.hashGate.Enter(t.Context()) // the only slot is taken
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancelled {
				cancel()
			}
			status, typ := servePost(ctx, t, e, "/v1/passwords/authenticate", map[string]any{"email": "gate@example.com", "password": pw})
			cancel()
			require.Equal(t, tt.wantStatus, status)
			require.Equal(t, tt.wantType, typ)
			release()

			status, typ = servePost(t.Context(), t, e, "/v1/passwords/authenticate", map[string]any{"email": "gate@example.com", "password": pw})
			require.Equal(t, http.StatusOK, status, "the refused check did not count as a failure: %s", typ)
		})
	}
}

// A check whose request has already ended does not start, even with a free slot.
func TestMigratedHashCheckDoesNotOutliveItsRequest(t *testing.T) {
	t.Parallel()
	e := New(WithLockout(1, time.Hour, time.Hour))
	salt := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	status, typ := servePost(t.Context(), t, e, "/v1/passwords/migrate", map[string]any{
		"email": "ended@example.com", "hash": base64.StdEncoding.EncodeToString(make([]byte, 32)), "hash_type": "pbkdf_2",
		"pbkdf_2_config": map[string]any{"salt": salt, "iteration_amount": 2_000_000, "key_length": 32},
	})
	require.Equal(t, http.StatusOK, status, typ)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	status, typ = servePost(ctx, t, e, "/v1/passwords/authenticate", map[string]any{"email": "ended@example.com", "password": "whatever it is"})
	require.Equal(t, 499, status)
	require.Equal(t, "client_closed_request", typ)
	// Not counted as a failure: the next wrong password is the first, and locks the user only then.
	status, typ = servePost(t.Context(), t, e, "/v1/passwords/migrate", map[string]any{"email": "ended@example.com", "hash": "$2a$04$" + strings.Repeat("a", 53), "hash_type": "bcrypt"})
	require.Equal(t, http.StatusOK, status, typ)
	status, typ = servePost(t.Context(), t, e, "/v1/passwords/authenticate", map[string]any{"email": "ended@example.com", "password": "wrong"})
	require.Equal(t, http.StatusUnauthorized, status, typ)
}

// Every error_type the password package refuses a migrated hash with is in the catalogue.
func TestHashErrorTypesAreCatalogued(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("internal/password/*.go")
	require.NoError(t, err)
	used := regexp.MustCompile(`refuseAs\("([a-z0-9_]+)"|errorType: "([a-z0-9_]+)"`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			typ := m[1] + m[2]
			seen++
			_, ok := catalogued(typ)
			require.True(t, ok, "%s: error_type %q is not in the catalogue", f, typ)
		}
	}
	require.GreaterOrEqual(t, seen, 10, "the pattern no longer matches the source")
}
