package app_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/pkg/app"
)

// valid is a valid contract; the table tests change one thing in it.
const valid = `
name: shop
session: {cookie: stytch_session}
routes:
  sign_up:          {method: POST, path: /signup, body: '{"email":"{{email}}","password":"{{password}}"}'}
  sign_in:          {method: POST, path: /login, body: '{"email":"{{email}}","password":"{{password}}"}'}
  send_sms_code:    {method: POST, path: /mfa/sms/send, body: '{"phone_number":"{{phone}}"}'}
  submit_sms_code:  {method: POST, path: /mfa/sms/verify, body: '{"code":"{{code}}"}'}
  protected_page:   {method: GET, path: /account}
  sensitive_action: {method: POST, path: /transfer}
  sign_out:         {method: POST, path: /logout}
  register_totp:    {method: POST, path: /mfa/totp/register, secret_field: secret}
  submit_totp_code: {method: POST, path: /mfa/totp/verify, body: '{"code":"{{totp_code}}"}'}
  totp_page:        {method: GET, path: /authenticator}
  send_magic_link:  {method: POST, path: /magic-link, body: '{"email":"{{email}}"}'}
  authenticate_magic_link: {method: GET, path: '/authenticate?stytch_token_type=magic_links&token={{token}}'}
  magic_link_page:  {method: GET, path: /inbox}
answers:
  allowed:            {status: 200}
  unauthenticated:    {status: 401}
  needs_factor:       {status: 403, field: error, equals: missing_factor}
  needs_fresh_factor: {status: 403, field: error, equals: stale_factor}
`

func TestParse(t *testing.T) {
	c, err := app.Parse([]byte(valid))
	require.NoError(t, err)
	assert.Equal(t, "shop", c.DisplayName())
	assert.Equal(t, "/account", c.Route(app.ProtectedPage).Path)
	assert.Empty(t, c.Lacks(app.SignUp, app.SignOut, app.SendMagicLink, app.AuthenticateMagicLink, app.MagicLinkPage))

	// JSON is YAML.
	c, err = app.Parse([]byte(`{"session":{"header":"Authorization","scheme":"Bearer","token_field":"session_token"},
	  "routes":{"sign_in":{"method":"POST","path":"/login","body":"{\"password\":\"{{password}}\"}"},
	    "send_sms_code":{"method":"POST","path":"/sms"},"submit_sms_code":{"method":"POST","path":"/sms/{{code}}"},
	    "protected_page":{"method":"GET","path":"/a"}},
	  "answers":{"allowed":{"status":200},"unauthenticated":{"status":401},"needs_factor":{"status":403}}}`))
	require.NoError(t, err)
	assert.Equal(t, "app", c.DisplayName())
	assert.Equal(t, []app.RouteName{app.SensitiveAction, app.SignOut}, c.Lacks(app.SensitiveAction, app.SignOut, app.SignIn))
}

// TestParse_Invalid: every problem names its field, on one line.
func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"case=unknown field", "name: shop", "nmae: shop", "field nmae not found"},
		{"case=no session", "session: {cookie: stytch_session}", "session: {}", "session: set cookie"},
		{"case=cookie and header", "session: {cookie: stytch_session}", "session: {cookie: a, header: b, token_field: t}", "session: set cookie or header, not both"},
		{"case=header without token field", "session: {cookie: stytch_session}", "session: {header: Authorization}", "session.token_field: missing"},
		{"case=bad cookie name", "session: {cookie: stytch_session}", "session: {cookie: 'a b'}", "session.cookie:"},
		{"case=missing route", "  protected_page:   {method: GET, path: /account}\n", "", "routes.protected_page: missing"},
		{"case=path without slash", "path: /account}", "path: account}", `routes.protected_page.path: "account" does not start with /`},
		{"case=missing path", "{method: GET, path: /account}", "{method: GET}", "routes.protected_page.path: missing"},
		{"case=lower-case method", "{method: GET, path: /account}", "{method: get, path: /account}", "routes.protected_page.method:"},
		{"case=unknown variable", `{"code":"{{code}}"}`, `{"code":"{{otp}}"}`, "routes.submit_sms_code.body: unknown {{otp}}"},
		{"case=submit without code", `{"code":"{{code}}"}`, `{}`, "routes.submit_sms_code.body: does not use {{code}}"},
		{"case=sign in without password", `path: /login, body: '{"email":"{{email}}","password":"{{password}}"}'`, `path: /login, body: '{"email":"{{email}}"}'`, "routes.sign_in.body: does not use {{password}}"},
		{"case=bad content type", "{method: GET, path: /account}", "{method: GET, path: /account, content_type: text/plain}", "routes.protected_page.content_type:"},
		{"case=register without secret field", "/mfa/totp/register, secret_field: secret}", "/mfa/totp/register}", "routes.register_totp.secret_field: missing"},
		{"case=secret field elsewhere", "{method: GET, path: /account}", "{method: GET, path: /account, secret_field: s}", "routes.protected_page.secret_field: only register_totp has one"},
		{"case=submit without totp code", `{"code":"{{totp_code}}"}`, `{"code":"{{code}}"}`, "routes.submit_totp_code.body: does not use {{totp_code}}"},
		{"case=TOTP routes apart", "  totp_page:        {method: GET, path: /authenticator}\n", "", "routes: register_totp, submit_totp_code and totp_page go together"},
		{"case=send link without email", `body: '{"email":"{{email}}"}'}`, `body: '{}'}`, "routes.send_magic_link.body: does not use {{email}}"},
		{"case=link without token", "&token={{token}}", "", "routes.authenticate_magic_link: uses {{token}} in neither its path nor its body"},
		{"case=unknown variable in the query", "token={{token}}", "token={{tok}}", "routes.authenticate_magic_link.path: unknown {{tok}}"},
		{"case=magic-link routes apart", "  magic_link_page:  {method: GET, path: /inbox}\n", "", "routes: send_magic_link, authenticate_magic_link and magic_link_page go together"},
		{"case=missing answer", "  allowed:            {status: 200}\n", "", "answers.allowed: missing"},
		{"case=fresh factor needed with a sensitive action", "  needs_fresh_factor: {status: 403, field: error, equals: stale_factor}\n", "", "answers.needs_fresh_factor: missing"},
		{"case=bad status", "allowed:            {status: 200}", "allowed:            {status: 2000}", "answers.allowed.status: want an HTTP status, got 2000"},
		{"case=field without equals", "needs_factor:       {status: 403, field: error, equals: missing_factor}", "needs_factor:       {status: 403, field: error}", "answers.needs_factor: set field and equals together"},
		{"case=location without a redirect", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 401, location: /login}", "answers.unauthenticated.location: a location needs a redirect status (3xx), got 401"},
		{"case=location not a path", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 302, location: login}", `answers.unauthenticated.location: want a path beginning with /, got "login"`},
		{"case=location on a host", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 302, location: //login.example.com/login}", `answers.unauthenticated.location: "//login.example.com/login" is not a path and query of the app`},
		{"case=location with a fragment", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 302, location: '/login#form'}", `answers.unauthenticated.location: "/login#form" is not a path and query of the app`},
		{"case=field and location", "needs_factor:       {status: 403, field: error, equals: missing_factor}", "needs_factor:       {status: 303, field: error, equals: missing_factor, location: /mfa}", "answers.needs_factor: set field or location, not both"},
		{"case=bad refused answer", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 401}\n  refused: {status: 200, location: /login}", "answers.refused.location: a location needs a redirect status (3xx), got 200"},
		{"case=refused like allowed", "unauthenticated:    {status: 401}", "unauthenticated:    {status: 401}\n  refused: {status: 200}", "answers.refused: the same as answers.allowed: every accepted request would count as turned down"},
		{"case=answers alike", "needs_fresh_factor: {status: 403, field: error, equals: stale_factor}", "needs_fresh_factor: {status: 403, field: error, equals: missing_factor}", "answers.needs_fresh_factor: the same as answers.needs_factor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(valid, tt.from, tt.to, 1)
			require.NotEqual(t, valid, src, "the case changes the contract")
			_, err := app.Parse([]byte(src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestParse_Empty(t *testing.T) {
	_, err := app.Parse(nil)
	require.EqualError(t, err, "the contract is empty")
}

func TestLoad(t *testing.T) {
	_, err := app.Load("testdata/missing.yaml")
	require.ErrorContains(t, err, "app contract:")
}
