package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// smallValues is a 4 KB JSON object of 1,280 empty objects: the most JSON values metadata or
// custom claims can hold.
func smallValues() string {
	var parts []string
	for k := range 20 {
		parts = append(parts, fmt.Sprintf(`"%c":[%s{}]`, 'a'+k, strings.Repeat("{},", 63)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// heapGrowth is how much the live heap grew while fn ran, per unit of n.
func heapGrowth(n int, fn func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(n)
}

// Metadata and custom claims were kept decoded: 4 KB of small values such as [{},{},…] took
// 85 KB, so a user with both metadata fields at their limit held 169 KB instead of the 12 KB the
// limits were sized with (50,000 users: 8 GB, not 0.6 GB), and a session with such custom claims
// as much. Each top-level value is now held as its JSON text. Not parallel: it measures the heap.
func TestAttackSmallJSONValuesAreHeldCompactly(t *testing.T) {
	e := emulator.New()
	auth := authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
	meta := smallValues()
	require.LessOrEqual(t, len(meta), 4096)
	const n = 500
	perUser := heapGrowth(n, func() {
		for i := range n {
			body := fmt.Sprintf(`{"email":"small%d@example.com","trusted_metadata":%s,"untrusted_metadata":%s}`, i, meta, meta)
			status, out := serve(e, "POST", "/v1/users", []byte(body), auth)
			require.Equal(t, http.StatusCreated, status, "%s", out)
		}
	})
	status, out := serve(e, "POST", "/v1/users", []byte(`{"email":"claims@example.com"}`), auth)
	require.Equal(t, http.StatusCreated, status, "%s", out)
	var created struct {
		UserID string `json:"user_id"`
	}
	require.NoError(t, json.Unmarshal(out, &created))
	perSession := heapGrowth(n, func() {
		for range n {
			status, out := serve(e, "POST", "/v1/magic_links", fmt.Appendf(nil, `{"user_id":%q}`, created.UserID), auth)
			require.Equal(t, http.StatusOK, status, "%s", out)
			var link struct {
				Token string `json:"token"`
			}
			require.NoError(t, json.Unmarshal(out, &link))
			status, out = serve(e, "POST", "/v1/magic_links/authenticate",
				fmt.Appendf(nil, `{"token":%q,"session_duration_minutes":60,"session_custom_claims":%s}`, link.Token, meta), auth)
			require.Equal(t, http.StatusOK, status, "%s", out)
		}
	})
	t.Logf("per user %d KB, per session %d KB", perUser>>10, perSession>>10)
	require.Less(t, perUser, int64(40<<10), "a user with 2 × 4 KB of metadata")
	require.Less(t, perSession, int64(40<<10), "a session with 4 KB of custom claims")
	// What is rendered is the same JSON.
	status, out = serve(e, "POST", "/v1/users/search", []byte(`{"limit":1,"query":{"operator":"AND","operands":[{"filter_name":"email_address","filter_value":["small0@example.com"]}]}}`), auth)
	require.Equal(t, http.StatusOK, status, "%s", out)
	var found struct {
		Results []struct {
			TrustedMetadata json.RawMessage `json:"trusted_metadata"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(out, &found))
	require.Len(t, found.Results, 1)
	require.JSONEq(t, meta, string(found.Results[0].TrustedMetadata))
}
