package emulator

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// route is one entry of the route table.
type route struct {
	method  string
	pattern string // e.g. "/v1/users/{}" — at most one {} segment
	h       handler
	public  bool // no Basic auth (JWKS, health)
	control bool // emulator control API: faults do not apply
	maxBody int  // the largest body read (0: MaxBodyBytes)
	// largeAnswer marks a route whose answer can be tens of megabytes (export): the request holds
	// a large-body slot from before its handler runs until its answer is written.
	largeAnswer bool
}

// router finds the route of a method and path: static paths by map lookup, then patterns with one
// parameter segment.
type router struct {
	static  map[string][]*route
	dynamic []*route
}

// match returns the route for method and path and its parameter. When the path exists under other
// methods only, route is nil and allowed lists them.
func (rr *router) match(method, path string) (rt *route, param, allowed string) {
	candidates := rr.static[path]
	if candidates == nil {
		for _, d := range rr.dynamic {
			if p, ok := matchPattern(d.pattern, path); ok {
				if d.method == method {
					return d, p, ""
				}
				candidates = append(candidates, d)
				param = p
			}
		}
	}
	var methods []string
	for _, c := range candidates {
		if c.method == method {
			return c, param, ""
		}
		methods = append(methods, c.method)
	}
	slices.Sort(methods)
	return nil, "", strings.Join(slices.Compact(methods), ", ")
}

// matchPattern matches a pattern with one "{}" segment against path.
func matchPattern(pattern, path string) (string, bool) {
	prefix, suffix, _ := strings.Cut(pattern, "{}")
	if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, suffix) || len(path) <= len(prefix)+len(suffix) {
		return "", false
	}
	p := path[len(prefix) : len(path)-len(suffix)]
	if strings.Contains(p, "/") {
		return "", false
	}
	return p, true
}

func (rr *router) add(rt *route) {
	if strings.Contains(rt.pattern, "{}") {
		rr.dynamic = append(rr.dynamic, rt)
		return
	}
	if rr.static == nil {
		rr.static = map[string][]*route{}
	}
	rr.static[rt.pattern] = append(rr.static[rt.pattern], rt)
}

// newRouter is the route table of the emulator: every emulated endpoint, in one place.
func newRouter() *router {
	rr := &router{}
	api := func(method, pattern string, h handler) { rr.add(&route{method: method, pattern: pattern, h: h}) }

	// Users.
	api("POST", "/v1/users", createUser)
	api("POST", "/v1/users/search", searchUsers)
	api("GET", "/v1/users/{}", getUser)
	api("PUT", "/v1/users/{}", updateUser)
	api("DELETE", "/v1/users/{}", deleteUser)
	api("DELETE", "/v1/users/emails/{}", deleteUserContact(mediumEmail))
	api("DELETE", "/v1/users/phone_numbers/{}", deleteUserContact(mediumPhone))
	api("DELETE", "/v1/users/passwords/{}", deleteUserPassword)
	api("DELETE", "/v1/users/totps/{}", deleteUserTOTP)
	api("PUT", "/v1/users/{}/exchange_primary_factor", exchangePrimaryFactor)
	api("DELETE", "/v1/users/{}/external_id", deleteExternalID)
	api("DELETE", "/v1/users/webauthn_registrations/{}", deleteNeverCreated("webauthn_registration_not_found"))
	api("DELETE", "/v1/users/biometric_registrations/{}", deleteNeverCreated("biometric_registration_not_found"))
	api("DELETE", "/v1/users/crypto_wallets/{}", deleteNeverCreated("crypto_wallet_not_found"))
	api("DELETE", "/v1/users/oauth/{}", deleteNeverCreated("oauth_user_registration_not_found"))

	// Passwords.
	api("POST", "/v1/passwords", createPassword)
	api("POST", "/v1/passwords/authenticate", authenticatePassword)
	api("POST", "/v1/passwords/strength_check", strengthCheck)
	api("POST", "/v1/passwords/migrate", migratePassword)
	api("POST", "/v1/passwords/email/reset/start", resetByEmailStart)
	api("POST", "/v1/passwords/email/reset", resetByEmail)
	api("POST", "/v1/passwords/existing_password/reset", resetByExistingPassword)
	api("POST", "/v1/passwords/session/reset", resetBySession)

	// One-time passcodes.
	api("POST", "/v1/otps/sms/send", otpSend(channelSMS))
	api("POST", "/v1/otps/sms/login_or_create", otpLoginOrCreate(channelSMS))
	api("POST", "/v1/otps/whatsapp/send", otpSend(channelWhatsApp))
	api("POST", "/v1/otps/whatsapp/login_or_create", otpLoginOrCreate(channelWhatsApp))
	api("POST", "/v1/otps/email/send", otpSend(channelEmail))
	api("POST", "/v1/otps/email/login_or_create", otpLoginOrCreate(channelEmail))
	api("POST", "/v1/otps/authenticate", authenticateOTP)

	// TOTP.
	// Magic links.
	api("POST", "/v1/magic_links/email/send", magicLinkSend)
	api("POST", "/v1/magic_links/email/login_or_create", magicLinkLoginOrCreate)
	api("POST", "/v1/magic_links/email/invite", magicLinkInvite)
	api("POST", "/v1/magic_links/email/revoke_invite", magicLinkRevokeInvite)
	api("POST", "/v1/magic_links", magicLinkCreate)
	api("POST", "/v1/magic_links/authenticate", authenticateMagicLink)

	// TOTP.
	api("POST", "/v1/totps", createTOTP)
	api("POST", "/v1/totps/authenticate", authenticateTOTP)
	api("POST", "/v1/totps/recovery_codes", totpRecoveryCodes)
	api("POST", "/v1/totps/recover", recoverTOTP)

	// Sessions.
	api("GET", "/v1/sessions", getSessions)
	api("POST", "/v1/sessions/authenticate", authenticateSession)
	api("POST", "/v1/sessions/revoke", revokeSession)
	rr.add(&route{method: "GET", pattern: "/v1/sessions/jwks/{}", h: getJWKS, public: true})
	api("GET", "/v1/rbac/policy", getRBACPolicy)

	// Control API.
	ctl := func(method, pattern string, h handler) {
		rr.add(&route{method: method, pattern: pattern, h: h, control: true})
	}
	rr.add(&route{method: "GET", pattern: "/emulator/v1/health", h: health, public: true, control: true})
	ctl("GET", "/emulator/v1/messages", controlMessages)
	ctl("GET", "/emulator/v1/clock", controlClockGet)
	ctl("POST", "/emulator/v1/clock", controlClockSet)
	ctl("POST", "/emulator/v1/reset", controlReset)
	ctl("GET", "/emulator/v1/faults", controlFaultsList)
	ctl("POST", "/emulator/v1/faults", controlFaultsAdd)
	ctl("DELETE", "/emulator/v1/faults", controlFaultsClear)
	ctl("GET", "/emulator/v1/requests", controlRequests)
	addInspectRoutes(ctl)
	rr.add(&route{method: "POST", pattern: "/emulator/v1/export", h: controlExport, control: true, largeAnswer: true})
	rr.add(&route{method: "POST", pattern: "/emulator/v1/import", h: controlImport, control: true, maxBody: MaxImportBytes})
	rr.add(ageSessionsRoute())
	return rr
}

// notEmulated lists the Stytch Consumer routes that the official SDKs call and the emulator does
// not emulate: every route of stytch-go v16.41.0's consumer clients (stytch/consumer/*.go) and of
// the stytch@14.2.0 Node SDK's consumer clients (dist/b2c/*.js), less the routes of newRouter. A
// request to one of them answers 501 endpoint_not_emulated (see notEmulatedError) and is logged
// like any other request. {} is one path segment. Routes served for real win over this list, so a
// route that becomes emulated needs no change here.
func notEmulated() []string {
	return []string{
		// Magic links.
		"POST /v1/magic_links", "POST /v1/magic_links/authenticate", "POST /v1/magic_links/email/send",
		"POST /v1/magic_links/email/login_or_create", "POST /v1/magic_links/email/invite",
		"POST /v1/magic_links/email/revoke_invite",
		// OAuth.
		"POST /v1/oauth/attach", "POST /v1/oauth/authenticate",
		// Sessions beyond the core.
		"POST /v1/sessions/migrate", "POST /v1/sessions/exchange_access_token", "POST /v1/sessions/attest",
		// Users: connected apps.
		"GET /v1/users/{}/connected_apps", "POST /v1/users/{}/connected_apps/{}/revoke",
		// WebAuthn and crypto wallets.
		"POST /v1/webauthn/register/start", "POST /v1/webauthn/register", "POST /v1/webauthn/authenticate/start",
		"POST /v1/webauthn/authenticate", "PUT /v1/webauthn/{}", "GET /v1/webauthn/credentials/{}/{}",
		"POST /v1/crypto_wallets/authenticate/start", "POST /v1/crypto_wallets/authenticate",
		// Impersonation, identity provider, debug, project.
		"POST /v1/impersonation/authenticate", "POST /v1/idp/oauth/authorize/start", "POST /v1/idp/oauth/authorize",
		"POST /v1/public/{}/oauth2/token", "POST /v1/public/{}/oauth2/introspect",
		"GET /v1/debug/whoami", "GET /v1/projects/metrics",
		// M2M clients.
		"GET /v1/m2m/clients/{}", "POST /v1/m2m/clients/search", "PUT /v1/m2m/clients/{}", "DELETE /v1/m2m/clients/{}",
		"POST /v1/m2m/clients", "POST /v1/m2m/clients/{}/secrets/rotate/start",
		"POST /v1/m2m/clients/{}/secrets/rotate/cancel", "POST /v1/m2m/clients/{}/secrets/rotate",
		// Connected-app clients.
		"GET /v1/connected_apps/clients/{}", "PUT /v1/connected_apps/clients/{}", "DELETE /v1/connected_apps/clients/{}",
		"POST /v1/connected_apps/clients/search", "POST /v1/connected_apps/clients",
		"POST /v1/connected_apps/clients/{}/secrets/rotate/start",
		"POST /v1/connected_apps/clients/{}/secrets/rotate/cancel", "POST /v1/connected_apps/clients/{}/secrets/rotate",
		// Fraud and risk (the SDKs send these to the fraud base URL, which a client may point here).
		"POST /v1/fingerprint/lookup", "POST /v1/rules/set", "POST /v1/rules/list",
		"POST /v1/verdict_reasons/override", "POST /v1/verdict_reasons/list", "POST /v1/email/risk",
	}
}

// matchNotEmulated reports whether method and path are a route of notEmulated.
func matchNotEmulated(method, path string) bool {
	segs := strings.Split(path, "/")
	for _, r := range notEmulated() {
		m, pattern, _ := strings.Cut(r, " ")
		if m != method {
			continue
		}
		want := strings.Split(pattern, "/")
		if len(want) != len(segs) {
			continue
		}
		ok := true
		for i, w := range want {
			if w == "{}" && segs[i] == "" || w != "{}" && w != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// notEmulatedError answers a Stytch route that the emulator does not emulate. The status is 501
// Not Implemented: the route exists on Stytch, so a 404 would read as "this resource does not
// exist" and a 400 as "your request is wrong", both false; 501 says that this server lacks the
// function, which is the truth. The SDKs treat it like any API error (stytch-go accepts only 200
// and 201; the Node SDK reads the error from the body), and the error_type names the cause.
func notEmulatedError(method, path string) *Error {
	return newError("endpoint_not_emulated", "%s %s is a Stytch API endpoint that the emulator does not emulate (see docs/fidelity.md for what it serves).", method, path)
}

// Routes lists every route the emulator serves as "METHOD /path" ({} marks the path parameter),
// for fidelity tables and documentation.
func Routes() []string {
	return newRouter().list()
}

// list is Routes of one router.
func (rr *router) list() []string {
	var out []string
	for _, rts := range rr.static {
		for _, rt := range rts {
			out = append(out, rt.method+" "+rt.pattern)
		}
	}
	for _, rt := range rr.dynamic {
		out = append(out, rt.method+" "+rt.pattern)
	}
	slices.Sort(out)
	return out
}

// NotEmulatedRoutes lists the Stytch Consumer routes that the official SDKs call and the emulator
// answers with 501 endpoint_not_emulated, as "METHOD /path" ({} marks a path parameter).
func NotEmulatedRoutes() []string {
	served := map[string]bool{}
	for _, r := range Routes() {
		served[r] = true
	}
	var out []string
	for _, r := range notEmulated() {
		if !served[r] {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// bodyLimit is the largest body the route reads.
func (rt *route) bodyLimit() int {
	if rt.maxBody > 0 {
		return rt.maxBody
	}
	return MaxBodyBytes
}

// decode reads the JSON request body into v. An empty body decodes as {}. Malformed JSON, a value
// of the wrong JSON type, trailing data, duplicate keys or invalid UTF-8 give a 400 bad_request
// naming the problem; keys match field names exactly (see decodeJSON).
//
// Decoding a large body costs far more than its size (a 1 MiB array of numbers takes about a
// second of CPU and over 100 MB of allocations), so a body over largeBody waits for one of the
// emulator's few decoding slots: a burst of such requests queues instead of taking the memory of
// all of them at once. A request that ends while it waits answers 499 and changes nothing.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	release, err := c.decodeSlot()
	if err != nil {
		return err
	}
	defer release()
	if err := decodeJSON(c.body, v); err != nil {
		return err
	}
	return nil
}

// decodeSlot waits for one of the emulator's large-body slots when the body is over largeBody (a
// smaller one needs none) and returns its release.
func (c *call) decodeSlot() (func(), error) {
	if len(c.body) <= largeBody {
		return func() {}, nil
	}
	release, aerr := c.largeBodySlot()
	if aerr != nil {
		return nil, aerr
	}
	return release, nil
}

// largeBodySlot waits for one of the emulator's large-body slots (Limits.LargeBodyDecodes), which
// bound the memory of large request bodies being decoded and of large answers being written, and
// returns its release.
func (c *call) largeBodySlot() (func(), *Error) {
	release, err := c.e.cfg.decodeGate.Enter(c.r.Context())
	switch {
	case errors.Is(err, password.ErrBusy):
		return nil, newError("too_many_requests", "Too many large request bodies or answers are waiting; retry later.")
	case err != nil:
		return nil, &Error{Status: 499, Type: "client_closed_request", Message: "The request ended while it waited for a large-body slot."}
	}
	return release, nil
}

// largeBody is the body size above which decoding goes through the emulator's decoding slots.
// Every request Stytch documents fits in a few KiB (metadata and custom claims are capped at 4 KB).
const largeBody = 64 << 10
