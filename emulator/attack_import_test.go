package emulator_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Attacks on what POST /emulator/v1/import accepts: a crafted snapshot must be refused whole (400,
// nothing changes) unless the emulator can serve every request on the state it describes.

// importFixture is a project with a user, a session, a pending email magic link and a pending
// email OTP, and its export as a generic document to mutate.
type importFixture struct {
	h                            *H
	userID, emailID, sessionID   string
	sessionToken                 string
	snapshot                     map[string]any
	otherUserID, otherUserEmail  string
	magicLinkToken, otpMethodID  string
	resetToken                   string
	passwordUserID, passwordMail string
}

func newImportFixture(t *testing.T, opts ...emulator.Option) *importFixture {
	t.Helper()
	h := newH(t, "http", opts...)
	f := &importFixture{h: h}
	addr := h.Email("imp")
	status, m := h.RawJSON(t, "POST", "/v1/users", map[string]any{"email": addr})
	require.Equal(t, http.StatusCreated, status, "%v", m)
	f.userID = m["user_id"].(string)
	f.emailID = m["email_id"].(string)
	status, m = h.RawJSON(t, "POST", "/v1/magic_links", map[string]any{"user_id": f.userID})
	require.Equal(t, http.StatusOK, status, "%v", m)
	status, m = h.RawJSON(t, "POST", "/v1/magic_links/authenticate", map[string]any{"token": m["token"], "session_duration_minutes": 60})
	require.Equal(t, http.StatusOK, status, "%v", m)
	f.sessionToken = m["session_token"].(string)
	f.sessionID = dig(m, "session.session_id").(string)
	status, m = h.RawJSON(t, "POST", "/v1/magic_links/email/send", map[string]any{"email": addr})
	require.Equal(t, http.StatusOK, status, "%v", m)
	msgs := h.Messages(addr)
	f.magicLinkToken = msgs[len(msgs)-1].Token
	f.otherUserEmail = h.Email("imp-other")
	status, m = h.RawJSON(t, "POST", "/v1/otps/email/login_or_create", map[string]any{"email": f.otherUserEmail})
	require.Equal(t, http.StatusOK, status, "%v", m)
	f.otherUserID, f.otpMethodID = m["user_id"].(string), m["email_id"].(string)
	f.passwordMail = h.Email("imp-pw")
	pw := h.verifiedPasswordUser(t, f.passwordMail)
	f.passwordUserID = pw.UserID
	status, m = h.RawJSON(t, "POST", "/v1/passwords/email/reset/start", map[string]any{"email": f.passwordMail})
	require.Equal(t, http.StatusOK, status, "%v", m)
	msgs = h.Messages(f.passwordMail)
	f.resetToken = msgs[len(msgs)-1].Token
	f.snapshot = f.export(t)
	return f
}

// export returns the project's snapshot as a generic document.
func (f *importFixture) export(t *testing.T) map[string]any {
	t.Helper()
	status, body := f.h.Raw(t, "POST", "/emulator/v1/export", nil, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var doc struct {
		Snapshot map[string]any `json:"snapshot"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc.Snapshot
}

// state is the project's exported state but its request log (which logs the requests that read
// it), with every list in a fixed order.
func (f *importFixture) state(t *testing.T) map[string]any {
	t.Helper()
	p := f.export(t)["project"].(map[string]any)
	delete(p, "requests")
	for k, v := range p {
		if l, ok := v.([]any); ok {
			slices.SortFunc(l, func(a, b any) int {
				x, _ := json.Marshal(a)
				y, _ := json.Marshal(b)
				return strings.Compare(string(x), string(y))
			})
			p[k] = l
		}
	}
	return p
}

// mutated is a deep copy of the fixture's snapshot with change applied to its project.
func (f *importFixture) mutated(t *testing.T, change func(p map[string]any)) map[string]any {
	t.Helper()
	b, err := json.Marshal(f.snapshot)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	change(doc["project"].(map[string]any))
	return doc
}

// importDoc posts a snapshot to /emulator/v1/import.
func (f *importFixture) importDoc(t *testing.T, doc map[string]any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"snapshot": doc})
	require.NoError(t, err)
	return f.h.Raw(t, "POST", "/emulator/v1/import", b, "")
}

// list returns the objects of a list field of a project document.
func list(p map[string]any, field string) []map[string]any {
	var out []map[string]any
	for _, v := range p[field].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// find returns the object of a list field whose key has the value.
func find(p map[string]any, field, key, value string) map[string]any {
	for _, o := range list(p, field) {
		if o[key] == value {
			return o
		}
	}
	panic(fmt.Sprintf("no %s with %s %s", field, key, value))
}

// linkHash is a magic-link token as a snapshot stores it (base64 of its SHA-256, as JSON encodes bytes).
func linkHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// A snapshot that describes a project the emulator cannot serve was imported, and the first
// request that met the inconsistency panicked (the connection was cut without an answer) or
// failed with a 500: a magic link of kind login without its email, a project without the sandbox
// user (the sandbox magic-link token), a session started in year 0 (aged once, it could no longer
// be written: export answered 500 and the data directory never saw the project again). Each is now
// refused whole, and what it would have broken still answers.
func TestAttackImportRefusesInconsistentSnapshots(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	h := f.h
	cases := []struct {
		name   string
		change func(p map[string]any)
		then   func(t *testing.T) // a request that went wrong when the snapshot was accepted
	}{
		{"a login magic link without its email", func(p map[string]any) {
			for _, l := range list(p, "magic_links") {
				if l["user_id"] == f.userID && l["kind"] == "login" {
					delete(l, "email_id")
				}
			}
		}, func(t *testing.T) {
			status, body := h.Raw(t, "POST", "/v1/magic_links/authenticate", fmt.Appendf(nil, `{"token":%q}`, f.magicLinkToken), "")
			require.Equal(t, http.StatusOK, status, "%s", body)
		}},
		{"a magic link to another user's email", func(p map[string]any) {
			for _, l := range list(p, "magic_links") {
				if l["user_id"] == f.userID {
					l["email_id"] = f.otpMethodID
				}
			}
		}, nil},
		{"an embedded magic link with an email", func(p map[string]any) {
			p["magic_links"] = append(p["magic_links"].([]any), map[string]any{"token_sha256": linkHash("embedded"),
				"user_id": f.userID, "email_id": f.emailID, "kind": "embedded", "expires_at": "2030-01-01T00:00:00Z"})
		}, nil},
		{"a magic link of an unknown user", func(p map[string]any) {
			for _, l := range list(p, "magic_links") {
				l["user_id"] = "user-test-00000000-0000-4000-8000-00000000dead"
			}
		}, nil},
		{"no sandbox user", func(p map[string]any) {
			var users []any
			for _, u := range list(p, "users") {
				if u["id"] != emulator.SandboxUserID {
					users = append(users, u)
				}
			}
			p["users"] = users
			var sessions []any
			for _, s := range list(p, "sessions") {
				if s["user_id"] != emulator.SandboxUserID {
					sessions = append(sessions, s)
				}
			}
			p["sessions"] = sessions
			var tokens []any
			for _, tk := range list(p, "tokens") {
				if tk["token"] != emulator.SandboxSessionToken {
					tokens = append(tokens, tk)
				}
			}
			p["tokens"] = tokens
		}, func(t *testing.T) {
			status, body := h.Raw(t, "POST", "/v1/magic_links/authenticate", fmt.Appendf(nil, `{"token":%q}`, emulator.SandboxMagicLinkToken), "")
			require.Equal(t, http.StatusOK, status, "%s", body)
		}},
		{"a second sandbox user", func(p map[string]any) {
			find(p, "users", "id", f.userID)["sandbox"] = true
		}, nil},
		{"a code for another user's email", func(p map[string]any) {
			find(p, "otps", "method_id", f.otpMethodID)["user_id"] = f.userID
		}, nil},
		{"a reset token of an unknown user", func(p map[string]any) {
			find(p, "resets", "token", f.resetToken)["user_id"] = "user-test-00000000-0000-4000-8000-00000000dead"
		}, nil},
		{"a reset token for another user's email", func(p map[string]any) {
			find(p, "resets", "token", f.resetToken)["email_id"] = f.emailID
		}, nil},
		{"a session started in year 0", func(p map[string]any) {
			s := find(p, "sessions", "id", f.sessionID)
			s["started_at"], s["last_accessed_at"] = "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"
		}, func(t *testing.T) {
			status, body := h.Raw(t, "POST", "/emulator/v1/sessions/age", []byte(`{"by":"24h"}`), "")
			require.Equal(t, http.StatusOK, status, "%s", body)
			status, body = h.Raw(t, "POST", "/emulator/v1/export", nil, "")
			require.Equal(t, http.StatusOK, status, "%s", body)
		}},
		{"a factor authenticated in year 0", func(p map[string]any) {
			for _, fc := range find(p, "sessions", "id", f.sessionID)["factors"].([]any) {
				fc.(map[string]any)["last_authenticated_at"] = "0000-01-01T00:00:00Z"
			}
		}, nil},
		{"a user locked in year 1", func(p map[string]any) {
			u := find(p, "users", "id", f.userID)
			u["lock_created_at"], u["lock_expires_at"] = "0001-01-01T00:00:01Z", "0001-01-01T00:10:00Z"
		}, nil},
		{"a negative count of sessions since the last sweep", func(p map[string]any) {
			p["sessions_since_sweep"] = -1 << 62
		}, nil},
		{"a session with more tokens than it can hold", func(p map[string]any) {
			s := find(p, "sessions", "id", f.sessionID)
			tokens := p["tokens"].([]any)
			for i := range 12 {
				tok := fmt.Sprintf("rotated-%02d", i)
				s["tokens"] = append(s["tokens"].([]any), tok)
				tokens = append(tokens, map[string]any{"token": tok, "session_id": f.sessionID, "deadline": "2030-01-01T00:00:00Z"})
			}
			p["tokens"] = tokens
		}, nil},
	}
	before := f.state(t)
	for _, tc := range cases {
		status, body := f.importDoc(t, f.mutated(t, tc.change))
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", tc.name, body)
		requireErrorBody(t, 400, body, "bad_request")
		require.Equal(t, before, f.state(t), "%s: a refused import changes nothing", tc.name)
	}
	// What each would have broken still answers (sessions/age and the magic link change state, so
	// they run last).
	for _, tc := range cases {
		if tc.then != nil {
			tc.then(t)
		}
	}
	// The export as it is still imports.
	status, body := f.importDoc(t, f.snapshot)
	require.Equal(t, http.StatusOK, status, "%s", body)
}

// Ageing moved sessions back without a floor: one step of a day at a time, a session could be
// pushed before year 0, where its timestamps can no longer be written as JSON. Ageing now stops
// 200 years before the real time (the range an import accepts), refusing the step that would
// cross it and changing nothing.
func TestAttackAgeingStopsAtTheEarliestTime(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	h := f.h
	early := time.Now().UTC().Add(-emulator.MaxTimeDistance + 12*time.Hour).Format(time.RFC3339)
	doc := f.mutated(t, func(p map[string]any) {
		s := find(p, "sessions", "id", f.sessionID)
		s["started_at"] = early
	})
	status, body := f.importDoc(t, doc)
	require.Equal(t, http.StatusOK, status, "%s", body)
	status, body = h.Raw(t, "POST", "/emulator/v1/sessions/age", []byte(`{"by":"24h"}`), "")
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	requireErrorBody(t, 400, body, "bad_request")
	exported := f.export(t)
	require.Equal(t, early, find(exported["project"].(map[string]any), "sessions", "id", f.sessionID)["started_at"], "the refused step moved nothing")
	status, body = h.Raw(t, "POST", "/emulator/v1/sessions/age", []byte(`{"by":"6h"}`), "")
	require.Equal(t, http.StatusOK, status, "a step within the range is taken: %s", body)
	status, body = f.importDoc(t, f.export(t))
	require.Equal(t, http.StatusOK, status, "an aged project still round-trips: %s", body)
}

// An import replaced a project's state without counting it against the emulator-wide ceilings:
// one project's credentials could load 10,000 users into each of 1,000 auto-provisioned projects,
// 200 times Limits.MaxUsers. It now answers 429 too_many_requests, as creating the users one by
// one would, and changes nothing.
func TestAttackImportHoldsToTheEmulatorsCeilings(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t, emulator.WithLimits(emulator.Limits{MaxUsers: 7}),
		emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	h := f.h
	other := h.For(otherProjectID, otherSecret) // its sandbox user only
	doc := f.mutated(t, func(p map[string]any) { p["project_id"] = otherProjectID; p["secret"] = otherSecret })
	// The fixture holds 4 users (3 and the sandbox user); with the other project's sandbox user
	// that is 5, and importing the copy into the other project would make 8.
	require.Len(t, doc["project"].(map[string]any)["users"], 4)
	before := stateFingerprint(t, h.E, otherProjectID, otherSecret)
	b, err := json.Marshal(map[string]any{"snapshot": doc})
	require.NoError(t, err)
	status, body := other.Raw(t, "POST", "/emulator/v1/import", b, "")
	require.Equal(t, http.StatusTooManyRequests, status, "%s", body)
	requireErrorBody(t, 429, body, "too_many_requests")
	require.Equal(t, before, stateFingerprint(t, h.E, otherProjectID, otherSecret))
	// Importing into the project itself replaces its own users and sessions: no more in all.
	status, body = f.importDoc(t, f.snapshot)
	require.Equal(t, http.StatusOK, status, "%s", body)
}

// The export of a project over 1 MiB could not be imported back over HTTP: the body limit of the
// import (64 MiB) was checked only after the general one (1 MiB) had refused a Content-Length
// over it. The same body now imports.
func TestAttackLargeExportImportsBack(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	doc := f.mutated(t, func(p map[string]any) {
		users := p["users"].([]any)
		for i := range 150 {
			users = append(users, map[string]any{"id": fmt.Sprintf("user-test-00000000-0000-4000-8000-%012d", i),
				"created_at": "2026-01-01T00:00:00Z", "status": "active", "name": map[string]any{"first_name": "", "middle_name": "", "last_name": ""},
				"trusted_metadata": map[string]any{"k": strings.Repeat("t", 4000)}, "untrusted_metadata": map[string]any{"k": strings.Repeat("u", 4000)},
				"contacts": []any{}, "totps": []any{}})
		}
		p["users"] = users
	})
	b, err := json.Marshal(map[string]any{"snapshot": doc})
	require.NoError(t, err)
	require.Greater(t, len(b), emulator.MaxBodyBytes)
	status, body := f.h.Raw(t, "POST", "/emulator/v1/import", b, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	status, m := f.h.RawJSON(t, "POST", "/v1/users/search", map[string]any{"limit": 1000})
	require.Equal(t, http.StatusOK, status, "%v", m)
	require.EqualValues(t, 153, dig(m, "results_metadata.total"), "the 150 users and the 3 of the fixture (a search leaves out the sandbox user)")
}

// An import body was decoded like any other request, into a tree of every JSON value, before the
// snapshot parser read it again: a 54 MiB snapshot of 7,400 users with metadata of small values
// (within every limit) took 27 s of CPU, 7 GB of allocations and a 2.8 GB heap, and only the
// first pass held a decoding slot. The envelope is now only scanned and the whole import holds the
// slot: 5.6 s, 1.9 GB, 1.0 GB (most of it the project's state). Not parallel: it counts the
// process's allocations.
func TestAttackImportIsReadOnce(t *testing.T) {
	e := emulator.New()
	status, body := serve(e, "POST", "/emulator/v1/export", nil, authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Equal(t, http.StatusOK, status, "%s", body)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	p := doc["snapshot"].(map[string]any)["project"].(map[string]any)
	zeros := func() map[string]any {
		m := map[string]any{}
		for k := range 20 {
			m[fmt.Sprint(k)] = make([]int, 90)
		}
		return m
	}
	users := p["users"].([]any)
	for i := range 500 {
		users = append(users, map[string]any{"id": fmt.Sprintf("user-test-00000000-0000-4000-8000-%012d", i),
			"created_at": "2026-01-01T00:00:00Z", "status": "active", "name": map[string]any{"first_name": "", "middle_name": "", "last_name": ""},
			"trusted_metadata": zeros(), "untrusted_metadata": zeros(), "contacts": []any{}, "totps": []any{}})
	}
	p["users"] = users
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	doc, p, users = nil, nil, nil
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	status, body = serve(e, "POST", "/emulator/v1/import", b, authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	runtime.ReadMemStats(&after)
	require.Equal(t, http.StatusOK, status, "%s", body)
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(b))
	t.Logf("%d bytes imported with %.0f times as many allocated", len(b), ratio)
	require.Less(t, ratio, 50.0)
}
