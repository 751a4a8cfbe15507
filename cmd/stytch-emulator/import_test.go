package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// An export over 1 MiB could not be imported back: the server read at most 1 MiB of any body, so
// the import answered "exceeds 1048576 bytes" (with a Content-Length) or "truncated JSON"
// (chunked), though the emulator takes imports up to 64 MiB. The server now reads what the
// emulator takes for the request, and no more.
func TestImportOverOneMiB(t *testing.T) {
	t.Parallel()
	base, _ := startWith(t)
	post := func(path string, body io.Reader, size int64) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), "POST", base+path, body)
		require.NoError(t, err)
		req.ContentLength = size
		req.SetBasicAuth(emulator.DefaultProjectID, emulator.DefaultSecret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := post("/emulator/v1/export", nil, 0)
	require.Equal(t, http.StatusOK, status, body)
	var doc struct {
		Snapshot map[string]any `json:"snapshot"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	project := doc.Snapshot["project"].(map[string]any)
	users := project["users"].([]any)
	for i := range 150 {
		users = append(users, map[string]any{"id": fmt.Sprintf("user-test-00000000-0000-4000-8000-%012d", i),
			"created_at": "2026-01-01T00:00:00Z", "status": "active", "name": map[string]any{"first_name": "", "middle_name": "", "last_name": ""},
			"trusted_metadata": map[string]any{"k": strings.Repeat("t", 4000)}, "untrusted_metadata": map[string]any{"k": strings.Repeat("u", 4000)},
			"contacts": []any{}, "totps": []any{}})
	}
	project["users"] = users
	large, err := json.Marshal(doc)
	require.NoError(t, err)
	require.Greater(t, len(large), emulator.MaxBodyBytes)

	status, body = post("/emulator/v1/import", bytes.NewReader(large), int64(len(large)))
	require.Equal(t, http.StatusOK, status, "with a Content-Length: %s", body)
	status, body = post("/emulator/v1/import", struct{ io.Reader }{bytes.NewReader(large)}, -1)
	require.Equal(t, http.StatusOK, status, "chunked: %s", body)
	// Any other request still stops at 1 MiB.
	status, body = post("/v1/users", bytes.NewReader(large), int64(len(large)))
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, "exceeds 1048576 bytes")
	status, body = post("/v1/users", struct{ io.Reader }{bytes.NewReader(large)}, -1)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, "exceeds 1048576 bytes")
}
