package emulator

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestRequestLogIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	l := &requestLog{maxEntries: 1000, maxBytes: 4096}
	long := "/v1/users/" + strings.Repeat("é", 900_000) // 1.8 MB of path
	for i := range 999 {
		l.add(RequestRecord{Method: "GET", Path: long, Status: 404, RequestID: "request-id-test-" + strings.Repeat("0", i%3)})
		require.LessOrEqual(t, l.bytes, l.maxBytes)
	}
	total := 0
	for _, r := range l.list() {
		require.LessOrEqual(t, len(r.Path), maxLoggedPath+len("…"))
		require.True(t, utf8.ValidString(r.Path), "cut at a character boundary")
		require.True(t, strings.HasSuffix(r.Path, "…"))
		total += recordSize(r)
	}
	require.Equal(t, total, l.bytes)
	require.NotEmpty(t, l.list(), "the newest records are kept")

	// A count bound too: the older half goes.
	c := &requestLog{maxEntries: 4, maxBytes: 1 << 20}
	for i := range 9 {
		c.add(RequestRecord{Method: "GET", Path: "/" + strings.Repeat("x", i)})
	}
	got := c.list()
	require.LessOrEqual(t, len(got), 4)
	require.Equal(t, "/"+strings.Repeat("x", 8), got[len(got)-1].Path)
}

func TestCheckMetadata(t *testing.T) {
	t.Parallel()
	keys := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[string(rune('a'+i))] = i
		}
		return m
	}
	require.Nil(t, checkMetadata("trusted_metadata", nil))
	require.Nil(t, checkMetadata("trusted_metadata", keys(20)))
	require.Equal(t, "metadata_too_many_keys", checkMetadata("trusted_metadata", keys(21)).Type)
	// {"k":"<v>"} is 8 bytes of JSON around v.
	require.Nil(t, checkMetadata("untrusted_metadata", map[string]any{"k": strings.Repeat("v", maxMetadataBytes-8)}))
	require.Equal(t, "metadata_too_large", checkMetadata("untrusted_metadata", map[string]any{"k": strings.Repeat("v", maxMetadataBytes-7)}).Type)
}
