package drift_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/pkg/drift"
)

// sessionShape is a sessions.authenticate response's shape, to vary in the tests.
func sessionShape() drift.Shape {
	return drift.Shape{
		"$":                                  "object",
		"request_id":                         "request_id",
		"session":                            "object",
		"session.expires_at":                 "rfc3339",
		"session.session_id":                 "session_id",
		"session.authentication_factors":     "array",
		"session.authentication_factors[]":   "object",
		"session.authentication_factors[].a": "string",
		"session.custom_claims":              "object",
		"session_token":                      "token",
		"user":                               "object",
		"user.emails":                        "array",
		"user.emails[]":                      "object",
		"user.emails[].email":                "email",
		"user.emails[].verified":             "bool",
		"user.name":                          "object",
		"user.name.first_name":               "empty_string",
	}
}

func call(method, path string, status int, shape drift.Shape) drift.Call {
	return drift.Call{Method: method, Path: path, Status: status, Shape: shape}
}

func TestCompare_Identical(t *testing.T) {
	t.Parallel()
	mk := func() drift.Recording {
		return drift.Recording{Scenarios: map[string][]drift.Call{
			"s1": {call("POST", "/v1/sessions/authenticate", 200, sessionShape()), {Method: "GET", Path: "/v1/users/{user_id}", Status: 404, ErrorType: "user_not_found"}},
			"s2": {},
		}}
	}
	r := drift.Compare(mk(), mk())
	assert.True(t, r.Empty())
	assert.Equal(t, "a", r.A)
	assert.Equal(t, "b", r.B)
	assert.Equal(t, 2, r.Scenarios)
	assert.Equal(t, 2, r.Calls)
	assert.Equal(t, "drift: a=a b=b: no differences (2 scenarios, 2 calls compared)\n", r.String())
	assert.True(t, drift.Compare(drift.Recording{}, drift.Recording{}).Empty())
}

func TestCompare_EveryKind(t *testing.T) {
	t.Parallel()
	const auth = "/v1/sessions/authenticate"
	// b's body drifted from a's in every way a shape can.
	drifted := sessionShape()
	drifted["session.expires_at"] = "string"                 // format differs
	delete(drifted, "session.custom_claims")                 // only in a
	drifted["session.attributes"] = "object"                 // only in b...
	drifted["session.attributes.ip_address"] = "string"      // ...and its children are not listed
	drifted["user.emails"] = "empty_array"                   // emptiness differs...
	delete(drifted, "user.emails[]")                         // ...and the elements' paths
	delete(drifted, "user.emails[].email")                   // are not listed
	delete(drifted, "user.emails[].verified")                //
	drifted["user.name"] = "null"                            // object vs null: children not listed
	delete(drifted, "user.name.first_name")                  //
	drifted["session.authentication_factors"] = "array|null" // shares array: children compared
	drifted["session.authentication_factors[].a"] = "number"

	a := drift.Recording{Label: "emulator", Scenarios: map[string][]drift.Call{
		"only a":  {call("GET", "/v1/users/{user_id}", 200, nil)},
		"shapes":  {call("POST", auth, 200, sessionShape())},
		"outcome": {call("POST", auth, 200, sessionShape()), {Method: "POST", Path: auth, Status: 404, ErrorType: "session_not_found", Shape: drift.Shape{"$": "object"}}},
		"count": {
			call("POST", "/v1/passwords", 200, nil),
			call("POST", "/v1/otps/sms/send", 200, nil),
			call("POST", "/v1/otps/authenticate", 200, nil),
		},
		"misaligned": {call("POST", "/v1/passwords", 200, drift.Shape{"$": "object"})},
		"transport":  {call("POST", auth, 0, nil)},
		"body":       {call("DELETE", "/v1/users/{user_id}", 200, nil)},
	}}
	b := drift.Recording{Label: "sandbox", Scenarios: map[string][]drift.Call{
		"only b":  {call("GET", "/v1/users/{user_id}", 200, nil), call("GET", "/v1/users/{user_id}", 200, nil)},
		"shapes":  {call("POST", auth, 200, drifted)},
		"outcome": {{Method: "POST", Path: auth, Status: 401, ErrorType: "unauthorized_credentials", Shape: drift.Shape{"$": "object"}}, {Method: "POST", Path: auth, Status: 404, ErrorType: "session_expired", Shape: drift.Shape{"$": "string"}}},
		"count": {
			call("POST", "/v1/passwords", 200, nil),
		},
		"misaligned": {call("POST", "/v1/passwords/authenticate", 200, drift.Shape{"$": "null"})},
		"transport":  {call("POST", auth, 200, sessionShape())},
		"body":       {call("DELETE", "/v1/users/{user_id}", 200, drift.Shape{"$": "object"})},
	}}

	r := drift.Compare(a, b)
	require.False(t, r.Empty())
	assert.Equal(t, 8, r.Scenarios)
	assert.Equal(t, 7, r.Calls) // body 1, count 1, misaligned 1, outcome 2, shapes 1, transport 1
	d := func(scenario string, i int, endpoint string, kind drift.Kind, path, va, vb string) drift.Diff {
		return drift.Diff{Scenario: scenario, Call: i, Endpoint: endpoint, Kind: kind, Path: path, A: va, B: vb}
	}
	want := []drift.Diff{
		d("body", 1, "DELETE /v1/users/{user_id}", drift.KindField, "$", "", "object"),
		d("count", 0, "", drift.KindCallCount, "", "3", "1"),
		d("count", 2, "POST /v1/otps/sms/send", drift.KindExtraCall, "", "POST /v1/otps/sms/send", ""),
		d("count", 3, "POST /v1/otps/authenticate", drift.KindExtraCall, "", "POST /v1/otps/authenticate", ""),
		d("misaligned", 1, "POST /v1/passwords", drift.KindEndpoint, "", "POST /v1/passwords", "POST /v1/passwords/authenticate"),
		d("only a", 0, "", drift.KindScenario, "", "1 call", ""),
		d("only b", 0, "", drift.KindScenario, "", "", "2 calls"),
		d("outcome", 1, "POST "+auth, drift.KindStatus, "", "200", "401"),
		d("outcome", 1, "POST "+auth, drift.KindErrorType, "", "", "unauthorized_credentials"),
		d("outcome", 2, "POST "+auth, drift.KindErrorType, "", "session_not_found", "session_expired"),
		d("shapes", 1, "POST "+auth, drift.KindField, "session.attributes", "", "object"),
		d("shapes", 1, "POST "+auth, drift.KindType, "session.authentication_factors", "array", "array|null"),
		d("shapes", 1, "POST "+auth, drift.KindType, "session.authentication_factors[].a", "string", "number"),
		d("shapes", 1, "POST "+auth, drift.KindField, "session.custom_claims", "object", ""),
		d("shapes", 1, "POST "+auth, drift.KindType, "session.expires_at", "rfc3339", "string"),
		d("shapes", 1, "POST "+auth, drift.KindEmptiness, "user.emails", "array", "empty_array"),
		d("shapes", 1, "POST "+auth, drift.KindType, "user.name", "object", "null"),
		d("transport", 1, "POST "+auth, drift.KindStatus, "", "no response", "200"),
	}
	assert.Equal(t, want, r.Diffs)

	assert.Equal(t, `drift: a=emulator b=sandbox: 18 differences in 8 of 8 scenarios (7 calls compared)

scenario "body":
  call 1 DELETE /v1/users/{user_id}:
    $: only in b (object)

scenario "count":
  number of calls: 3 vs 1
  call 2 POST /v1/otps/sms/send: only in a
  call 3 POST /v1/otps/authenticate: only in a

scenario "misaligned":
  call 1:
    endpoint: POST /v1/passwords vs POST /v1/passwords/authenticate

scenario "only a":
  only in a (1 call)

scenario "only b":
  only in b (2 calls)

scenario "outcome":
  call 1 POST /v1/sessions/authenticate:
    status: 200 vs 401
    error_type: (none) vs unauthorized_credentials
  call 2 POST /v1/sessions/authenticate:
    error_type: session_not_found vs session_expired

scenario "shapes":
  call 1 POST /v1/sessions/authenticate:
    session.attributes: only in b (object)
    session.authentication_factors: array vs array|null
    session.authentication_factors[].a: string vs number
    session.custom_claims: only in a (object)
    session.expires_at: rfc3339 vs string
    user.emails: non-empty array vs empty array
    user.name: object vs null

scenario "transport":
  call 1 POST /v1/sessions/authenticate:
    status: no response vs 200
`, r.String())

	assert.Equal(t, `scenario "shapes": call 1 POST /v1/sessions/authenticate: session.expires_at: rfc3339 vs string`, want[14].String())
	assert.Equal(t, `scenario "only b": only in b (2 calls)`, want[6].String())
	assert.Equal(t, `scenario "misaligned": call 1: endpoint: POST /v1/passwords vs POST /v1/passwords/authenticate`, want[4].String())

	// Swapping the sides swaps every difference.
	rev := drift.Compare(b, a)
	assert.Equal(t, "sandbox", rev.A)
	require.Len(t, rev.Diffs, len(r.Diffs))
	for i, d := range r.Diffs {
		assert.Equal(t, []string{d.Scenario, string(d.Kind), d.Path, d.B, d.A},
			[]string{rev.Diffs[i].Scenario, string(rev.Diffs[i].Kind), rev.Diffs[i].Path, rev.Diffs[i].A, rev.Diffs[i].B})
	}
}

func TestCompare_CallsOnlyInB(t *testing.T) {
	t.Parallel()
	a := drift.Recording{Scenarios: map[string][]drift.Call{"s": {}}}
	b := drift.Recording{Scenarios: map[string][]drift.Call{"s": {call("POST", "/v1/passwords", 200, nil)}}}
	r := drift.Compare(a, b)
	assert.Equal(t, []drift.Diff{
		{Scenario: "s", Kind: drift.KindCallCount, A: "0", B: "1"},
		{Scenario: "s", Call: 1, Endpoint: "POST /v1/passwords", Kind: drift.KindExtraCall, B: "POST /v1/passwords"},
	}, r.Diffs)
	assert.Contains(t, r.String(), "  call 1 POST /v1/passwords: only in b\n")
}

// TestCompare_Skipped: a scenario skipped on one side (a target lacking a capability) is not a
// difference: Compare lists it apart with the reason, Empty ignores it, and the report says so in
// a section of its own. Without recorded skips it was "only in a".
func TestCompare_Skipped(t *testing.T) {
	t.Parallel()
	ran := []drift.Call{call("POST", "/v1/sessions/authenticate", 200, sessionShape())}
	a := drift.Recording{Label: "emulator", Scenarios: map[string][]drift.Call{"expired": ran, "both": ran, "skipped twice": ran}}
	b := drift.Recording{Label: "sandbox", Scenarios: map[string][]drift.Call{"both": ran},
		Skipped: map[string]string{"expired": "target sandbox lacks clock-control", "skipped twice": "lacks read-codes"}}
	a.Skipped = map[string]string{"skipped twice": "lacks fault-injection"}
	r := drift.Compare(a, b)
	assert.True(t, r.Empty(), "skips are not differences: %s", r)
	assert.Equal(t, 3, r.Scenarios)
	assert.Equal(t, 1, r.Calls)
	assert.Equal(t, []drift.Skip{
		{Scenario: "expired", B: "target sandbox lacks clock-control"},
		{Scenario: "skipped twice", A: "lacks fault-injection", B: "lacks read-codes"},
	}, r.Skipped)
	assert.Equal(t, `drift: a=emulator b=sandbox: no differences (1 scenarios, 1 calls compared; 2 scenarios skipped on a side, not compared)

skipped, not compared (2):
  scenario "expired": skipped on b: target sandbox lacks clock-control
  scenario "skipped twice": skipped on a: lacks fault-injection; skipped on b: lacks read-codes
`, r.String())

	// With a difference too, the skips follow the differences.
	b.Scenarios["both"] = []drift.Call{call("POST", "/v1/sessions/authenticate", 404, nil)}
	r = drift.Compare(a, b)
	assert.False(t, r.Empty())
	assert.Len(t, r.Diffs, 1)
	s := r.String()
	assert.Contains(t, s, "1 difference in 1 of 1 scenarios (1 calls compared; 2 scenarios skipped on a side, not compared)")
	assert.Less(t, strings.Index(s, `scenario "both":`), strings.Index(s, "skipped, not compared (2):"))
}
