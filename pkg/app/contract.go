// Package app describes and drives an application under test: the service that integrates Stytch
// and that a team ships, in any language. A Contract says how the suite reaches the guide's flow
// over HTTP (sign up or in with a password, ask for an SMS code with the session, submit it, open a
// page that needs MFA, perform a sensitive action that needs a recent factor, sign out; and
// optionally the authenticator app's and the email magic link's), how the app carries its
// session, and how it answers "allowed", "needs the second factor", "needs a fresh factor" and
// "signed out" (and, optionally, how it turns down a sign-in: by default any 4xx), in JSON or with
// redirects. A Client makes those requests and carries the session as a browser would.
//
// A contract is written in YAML or JSON (JSON is YAML) and read with Parse or Load, which fail on
// the first problem, naming the field:
//
//	name: my app
//	session:
//	  cookie: stytch_session
//	routes:
//	  sign_in:         {method: POST, path: /login, body: '{"email":"{{email}}","password":"{{password}}"}'}
//	  send_sms_code:   {method: POST, path: /mfa/sms/send, body: '{"phone_number":"{{phone}}"}'}
//	  submit_sms_code: {method: POST, path: /mfa/sms/verify, body: '{"code":"{{code}}"}'}
//	  protected_page:  {method: GET, path: /account}
//	answers:
//	  allowed:         {status: 200}
//	  unauthenticated: {status: 401}
//	  needs_factor:    {status: 403, field: error, equals: missing_factor}
package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Contract describes how the suite drives an application over HTTP. Its zero value is not valid:
// read one with Parse or Load, or check a literal with Validate.
type Contract struct {
	// Name names the app in reports ("" means "app").
	Name string `yaml:"name" json:"name"`
	// Session says how the app carries its session between requests.
	Session Session `yaml:"session" json:"session"`
	// Routes are the requests of the flow.
	Routes Routes `yaml:"routes" json:"routes"`
	// Answers say how the app answers a page or an action.
	Answers Answers `yaml:"answers" json:"answers"`
}

// Session says how the app carries its session: in a cookie it sets (Cookie), or in a request
// header whose value the app hands out in a JSON field of its answers (Header and TokenField).
// Exactly one of Cookie and Header is set.
type Session struct {
	// Cookie is the name of the cookie the app sets and reads, e.g. stytch_session. The suite
	// keeps every cookie the app sets, as a browser would, ignoring Domain, Path and Secure.
	Cookie string `yaml:"cookie" json:"cookie"`
	// Header is the request header that carries the session, e.g. Authorization.
	Header string `yaml:"header" json:"header"`
	// Scheme, with Header, starts the header's value, e.g. Bearer ("" means none).
	Scheme string `yaml:"scheme" json:"scheme"`
	// TokenField, with Header, is the top-level JSON field of the app's answers that carries a new
	// session credential (e.g. session_token); the suite sends its latest value.
	TokenField string `yaml:"token_field" json:"token_field"`
}

// Routes are the requests of the flow. SignIn, SendSMSCode, SubmitSMSCode and ProtectedPage are
// required; scenarios that need a route the contract lacks are skipped, naming it.
type Routes struct {
	// SignUp creates the user with a password (its body uses {{email}} and {{password}}).
	SignUp *Route `yaml:"sign_up" json:"sign_up"`
	// SignIn signs the user in with a password (its body uses {{password}}).
	SignIn *Route `yaml:"sign_in" json:"sign_in"`
	// SendSMSCode asks the app to send an SMS code to {{phone}}, with the user's session.
	SendSMSCode *Route `yaml:"send_sms_code" json:"send_sms_code"`
	// SubmitSMSCode submits the {{code}} the user received, with the user's session.
	SubmitSMSCode *Route `yaml:"submit_sms_code" json:"submit_sms_code"`
	// ProtectedPage is a page that needs a password and an SMS factor.
	ProtectedPage *Route `yaml:"protected_page" json:"protected_page"`
	// SensitiveAction also needs the SMS factor to be recent (5 minutes in the guide).
	SensitiveAction *Route `yaml:"sensitive_action" json:"sensitive_action"`
	// SignOut ends the session.
	SignOut *Route `yaml:"sign_out" json:"sign_out"`
	// RegisterTOTP registers an authenticator app for the signed-in user and answers with the
	// TOTP secret in the JSON field its SecretField names.
	RegisterTOTP *Route `yaml:"register_totp" json:"register_totp"`
	// SubmitTOTPCode submits the {{totp_code}} computed from that secret, with the user's session.
	SubmitTOTPCode *Route `yaml:"submit_totp_code" json:"submit_totp_code"`
	// TOTPPage is a page that needs a password and an authenticator app factor.
	TOTPPage *Route `yaml:"totp_page" json:"totp_page"`
	// SendMagicLink asks the app to have Stytch email a login (or sign-up) link to {{email}}.
	SendMagicLink *Route `yaml:"send_magic_link" json:"send_magic_link"`
	// AuthenticateMagicLink is where the link leads: the app's redirect URL, which receives the
	// link's {{token}} (Stytch appends ?stytch_token_type=magic_links&token=... to it), with the
	// session the user has, if any.
	AuthenticateMagicLink *Route `yaml:"authenticate_magic_link" json:"authenticate_magic_link"`
	// MagicLinkPage is a page that needs an email magic link and an SMS factor.
	MagicLinkPage *Route `yaml:"magic_link_page" json:"magic_link_page"`
}

// RouteName names a route as the contract's YAML does.
type RouteName string

// The routes of the flow.
const (
	SignUp          RouteName = "sign_up"
	SignIn          RouteName = "sign_in"
	SendSMSCode     RouteName = "send_sms_code"
	SubmitSMSCode   RouteName = "submit_sms_code"
	ProtectedPage   RouteName = "protected_page"
	SensitiveAction RouteName = "sensitive_action"
	SignOut         RouteName = "sign_out"
	RegisterTOTP    RouteName = "register_totp"
	SubmitTOTPCode  RouteName = "submit_totp_code"
	TOTPPage        RouteName = "totp_page"
	// The email magic link's routes.
	SendMagicLink         RouteName = "send_magic_link"
	AuthenticateMagicLink RouteName = "authenticate_magic_link"
	MagicLinkPage         RouteName = "magic_link_page"
)

// requiredRoutes are the routes every contract has.
func requiredRoutes() []RouteName {
	return []RouteName{SignIn, SendSMSCode, SubmitSMSCode, ProtectedPage}
}

// Route is one request: a method, a path and a body template. {{email}}, {{password}},
// {{phone}}, {{code}}, {{totp_code}} and {{token}} in the path or the body are replaced by the test
// user's values. The path may carry a query (/authenticate?token={{token}}), whose values are
// URL-encoded.
type Route struct {
	// Method is the HTTP method, e.g. POST.
	Method string `yaml:"method" json:"method"`
	// Path is the request path, starting with "/".
	Path string `yaml:"path" json:"path"`
	// Body is the request body template ("" sends none).
	Body string `yaml:"body" json:"body"`
	// ContentType is the body's media type ("" means application/json). With
	// application/x-www-form-urlencoded the values are URL-encoded; with JSON, JSON-escaped.
	ContentType string `yaml:"content_type" json:"content_type"`
	// SecretField, on register_totp only, is the top-level JSON field of the answer that carries
	// the TOTP secret (base32).
	SecretField string `yaml:"secret_field" json:"secret_field"`
}

// Answers say how the app answers the pages (protected, TOTP, magic link) and the sensitive action,
// and how it turns down a sign-in, a code or a link. An app that answers JSON describes them by
// status and a field of the body; a server-rendered app that redirects, by status and where the
// redirect leads (Location).
type Answers struct {
	// Allowed: the request went through.
	Allowed *Answer `yaml:"allowed" json:"allowed"`
	// Unauthenticated: no session, or one Stytch refused.
	Unauthenticated *Answer `yaml:"unauthenticated" json:"unauthenticated"`
	// NeedsFactor: the session lacks a factor the page needs.
	NeedsFactor *Answer `yaml:"needs_factor" json:"needs_factor"`
	// NeedsFreshFactor: the factor is there but too old for the action.
	NeedsFreshFactor *Answer `yaml:"needs_fresh_factor" json:"needs_fresh_factor"`
	// Refused, optional: how the app turns down a sign-in, a code or a magic link it does not
	// accept besides a 4xx status, which always is a refusal: e.g. {status: 302, location:
	// /login?error} for an app that sends the browser back to its login page. Any other 2xx or
	// 3xx answer is an acceptance.
	Refused *Answer `yaml:"refused" json:"refused"`
}

// Answer recognises one kind of answer: an HTTP status and, when Field is set, a top-level JSON
// field of the body equal to Equals, or when Location is set, a redirect that leads there.
type Answer struct {
	// Status is the HTTP status.
	Status int `yaml:"status" json:"status"`
	// Field is a top-level field of the JSON body ("" means the status alone decides).
	Field string `yaml:"field" json:"field"`
	// Equals is the value Field must have (compared as text).
	Equals string `yaml:"equals" json:"equals"`
	// Location, with a 3xx status, is where the redirect leads: the path (and query) of its
	// Location header must begin with it, up to a "/", "?", "&" or "=" or the end: /login matches
	// /login and /login?next=%2Faccount but not /login-help, and /login?error matches
	// /login?error=invalid. The Location is read as a browser reads it: resolved against the
	// request's URL, without its fragment, with percent-encoded letters and digits read as such;
	// one on another host than the app's (the one the suite reaches it at) leads elsewhere,
	// whatever its path. When the locations of two answers match, the longer one decides. In
	// YAML's flow style ({...}) quote a location with a "?": location: '/login?error'.
	Location string `yaml:"location" json:"location"`
}

// Load reads and validates the contract in the YAML or JSON file at path.
func Load(path string) (*Contract, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("app contract: %w", err)
	}
	c, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("app contract %s: %w", path, err)
	}
	return c, nil
}

// Parse reads and validates a contract written in YAML or JSON. Unknown fields are errors, so a
// misspelt field is not silently ignored.
func Parse(raw []byte) (*Contract, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var c Contract
	if err := dec.Decode(&c); errors.Is(err, io.EOF) {
		return nil, errors.New("the contract is empty")
	} else if err != nil {
		// One line: the YAML library lists its errors on several.
		msg := strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " ")
		return nil, fmt.Errorf("%s", strings.Replace(msg, "unmarshal errors: ", "", 1))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// templateVar matches a {{name}} in a path or body.
var templateVar = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// templateNames are the names a template may use.
func templateNames() []string {
	return []string{"email", "password", "phone", "code", "totp_code", "token"}
}

// Validate reports the contract's problems, each naming its field ("routes.sign_in.path: ..."),
// on one line.
func (c *Contract) Validate() error {
	var errs []string
	fail := func(field, format string, args ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, args...))
	}
	s := c.Session
	switch {
	case s.Cookie == "" && s.Header == "":
		fail("session", "set cookie (the session cookie's name) or header (with token_field)")
	case s.Cookie != "" && s.Header != "":
		fail("session", "set cookie or header, not both")
	case s.Header != "" && s.TokenField == "":
		fail("session.token_field", "missing: the JSON field of the app's answers that carries the session credential")
	case s.Cookie != "" && (s.Scheme != "" || s.TokenField != ""):
		fail("session", "scheme and token_field go with header, not cookie")
	}
	if s.Cookie != "" && !validToken(s.Cookie) {
		fail("session.cookie", "%q is not a cookie name", s.Cookie)
	}
	if s.Header != "" && !validToken(s.Header) {
		fail("session.header", "%q is not a header name", s.Header)
	}
	for _, name := range requiredRoutes() {
		if c.Route(name) == nil {
			fail("routes."+string(name), "missing")
		}
	}
	for _, nr := range c.routes() {
		if nr.route == nil {
			continue
		}
		for _, e := range nr.route.problems() {
			fail("routes."+string(nr.name)+"."+e[0], "%s", e[1])
		}
		switch {
		case nr.uses == "" || uses(nr.route, nr.uses):
		case nr.name == AuthenticateMagicLink:
			fail("routes."+string(nr.name), "uses {{%s}} in neither its path nor its body", nr.uses)
		default:
			fail("routes."+string(nr.name)+".body", "does not use {{%s}}", nr.uses)
		}
	}
	for _, nr := range c.routes() {
		if nr.route != nil && nr.route.SecretField != "" && nr.name != RegisterTOTP {
			fail("routes."+string(nr.name)+".secret_field", "only register_totp has one")
		}
	}
	if r := c.Routes.RegisterTOTP; r != nil && r.SecretField == "" {
		fail("routes.register_totp.secret_field", "missing: the JSON field of the answer that carries the TOTP secret")
	}
	if !together(c.Routes.RegisterTOTP, c.Routes.SubmitTOTPCode, c.Routes.TOTPPage) {
		fail("routes", "register_totp, submit_totp_code and totp_page go together")
	}
	if !together(c.Routes.SendMagicLink, c.Routes.AuthenticateMagicLink, c.Routes.MagicLinkPage) {
		fail("routes", "send_magic_link, authenticate_magic_link and magic_link_page go together")
	}
	answer := func(field string, a *Answer, required bool) {
		switch {
		case a == nil && required:
			fail("answers."+field, "missing")
		case a == nil:
		case a.Status < 100 || a.Status > 599:
			fail("answers."+field+".status", "want an HTTP status, got %d", a.Status)
		case (a.Field == "") != (a.Equals == ""):
			fail("answers."+field, "set field and equals together")
		case a.Location != "" && a.Field != "":
			fail("answers."+field, "set field or location, not both")
		case a.Location != "" && (a.Status < 300 || a.Status > 399):
			fail("answers."+field+".location", "a location needs a redirect status (3xx), got %d", a.Status)
		case a.Location != "" && !strings.HasPrefix(a.Location, "/"):
			fail("answers."+field+".location", "want a path beginning with /, got %q", a.Location)
		case a.Location != "" && !pathAndQuery(a.Location):
			fail("answers."+field+".location", "%q is not a path and query of the app", a.Location)
		}
	}
	for _, a := range c.pageAnswers() {
		answer(string(a.kind), a.answer, a.kind != NeedsFreshFactor || c.Routes.SensitiveAction != nil)
	}
	answer("refused", c.Answers.Refused, false)
	if len(errs) == 0 {
		seen := map[Answer]Kind{}
		for _, a := range c.pageAnswers() {
			if a.answer == nil {
				continue
			}
			if other, dup := seen[*a.answer]; dup {
				fail("answers."+string(a.kind), "the same as answers.%s: the suite could not tell them apart", other)
			}
			seen[*a.answer] = a.kind
		}
		if r := c.Answers.Refused; r != nil && *r == *c.Answers.Allowed {
			fail("answers.refused", "the same as answers.allowed: every accepted request would count as turned down")
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// kindAnswer is one of the answers a page or an action gets, with its kind (whose name is the
// answer's key in the contract).
type kindAnswer struct {
	kind   Kind
	answer *Answer
}

// pageAnswers lists the contract's answers to a page or an action, allowed first: the one place
// the kinds meet the fields.
func (c *Contract) pageAnswers() []kindAnswer {
	a := &c.Answers
	return []kindAnswer{{Allowed, a.Allowed}, {Unauthenticated, a.Unauthenticated}, {NeedsFactor, a.NeedsFactor}, {NeedsFreshFactor, a.NeedsFreshFactor}}
}

// pathAndQuery reports whether s is a path on the app, with or without a query: no host, no
// fragment, no spaces.
func pathAndQuery(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host == "" && !strings.ContainsAny(s, "# \t\r\n")
}

// together reports whether the routes are all there or all missing.
func together(routes ...*Route) bool {
	n := len(routes) - len(slices.DeleteFunc(routes, func(r *Route) bool { return r == nil }))
	return n == 0 || n == len(routes)
}

// problems returns the route's problems as (field, why) pairs.
func (r *Route) problems() [][2]string {
	var out [][2]string
	if r.Method == "" {
		out = append(out, [2]string{"method", "missing"})
	} else if !validToken(r.Method) || strings.ToUpper(r.Method) != r.Method {
		out = append(out, [2]string{"method", fmt.Sprintf("%q is not an HTTP method (GET, POST, ...)", r.Method)})
	}
	switch {
	case r.Path == "":
		out = append(out, [2]string{"path", "missing"})
	case !strings.HasPrefix(r.Path, "/"):
		out = append(out, [2]string{"path", fmt.Sprintf("%q does not start with /", r.Path)})
	case strings.ContainsAny(r.Path, " \t\r\n#"):
		out = append(out, [2]string{"path", fmt.Sprintf("%q is not a request path", r.Path)})
	}
	for _, f := range [...]struct{ name, text string }{{"path", r.Path}, {"body", r.Body}} {
		for _, m := range templateVar.FindAllStringSubmatch(f.text, -1) {
			if !slices.Contains(templateNames(), m[1]) {
				out = append(out, [2]string{f.name, fmt.Sprintf("unknown {{%s}} (known: {{email}}, {{password}}, {{phone}}, {{code}}, {{totp_code}}, {{token}})", m[1])})
			}
		}
	}
	switch r.ContentType {
	case "", "application/json", formType:
	default:
		out = append(out, [2]string{"content_type", fmt.Sprintf("%q: want application/json or %s", r.ContentType, formType)})
	}
	return out
}

// formType is the form media type a route's ContentType may name.
const formType = "application/x-www-form-urlencoded"

// uses reports whether the route's path or body uses {{name}}.
func uses(r *Route, name string) bool {
	for _, m := range templateVar.FindAllStringSubmatch(r.Path+r.Body, -1) {
		if m[1] == name {
			return true
		}
	}
	return false
}

// validToken reports whether s is an RFC 9110 token (a method, header or cookie name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// namedRoute is one of a contract's routes with its name and the template variable it must use.
type namedRoute struct {
	name  RouteName
	route *Route
	uses  string // "": none required
}

// routes lists the contract's routes in flow order, each with its name: the one place the names
// meet the fields.
func (c *Contract) routes() []namedRoute {
	r := &c.Routes
	return []namedRoute{
		{SignUp, r.SignUp, "password"}, {SignIn, r.SignIn, "password"},
		{SendSMSCode, r.SendSMSCode, ""}, {SubmitSMSCode, r.SubmitSMSCode, "code"},
		{ProtectedPage, r.ProtectedPage, ""}, {SensitiveAction, r.SensitiveAction, ""}, {SignOut, r.SignOut, ""},
		{RegisterTOTP, r.RegisterTOTP, ""}, {SubmitTOTPCode, r.SubmitTOTPCode, "totp_code"}, {TOTPPage, r.TOTPPage, ""},
		{SendMagicLink, r.SendMagicLink, "email"}, {AuthenticateMagicLink, r.AuthenticateMagicLink, "token"},
		{MagicLinkPage, r.MagicLinkPage, ""},
	}
}

// Route returns the named route, or nil when the contract has none.
func (c *Contract) Route(name RouteName) *Route {
	for _, nr := range c.routes() {
		if nr.name == name {
			return nr.route
		}
	}
	return nil
}

// Lacks returns those of the routes the contract does not have, in the order given.
func (c *Contract) Lacks(routes ...RouteName) []RouteName {
	var out []RouteName
	for _, r := range routes {
		if c.Route(r) == nil && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// DisplayName is the app's name for reports.
func (c *Contract) DisplayName() string {
	if c.Name == "" {
		return "app"
	}
	return c.Name
}

// okStatus reports whether a flow request (not a page) succeeded.
func okStatus(status int) bool {
	return status >= 200 && status < 400 && status != http.StatusNotModified
}
