package emulator_test

import (
	"bytes"
	"flag"
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// updateFidelity rewrites the generated tables of docs/fidelity.md instead of checking them:
// go test ./emulator -run TestFidelityTable -update-fidelity
var updateFidelity = flag.Bool("update-fidelity", false, "rewrite the generated tables in docs/fidelity.md")

// fidelityRow names the SDK calls that exercise a route: the stytch-go method (as called on the
// client) and the Node SDK method. The table says a route is tested through an SDK when a test
// file of the repository makes that call. source cites where the route's behaviour comes from
// (the legend is in docs/fidelity.md).
type fidelityRow struct {
	route  string
	goCall string // e.g. "Passwords.Create"; "" when stytch-go has no call for it
	node   string // e.g. "passwords.create"
	source string
}

var fidelityRows = []fidelityRow{
	{"POST /v1/users", "Users.Create", "users.create", "GO `users.go`; OPENAPI; 201: RUBY-IT"},
	{"GET /v1/users/{}", "Users.Get", "users.get", "GO `users.go`; OPENAPI; USER-DOC"},
	{"PUT /v1/users/{}", "Users.Update", "users.update", "GO `users.go`; OPENAPI"},
	{"DELETE /v1/users/{}", "Users.Delete", "users.delete", "GO `users.go`; OPENAPI"},
	{"POST /v1/users/search", "Users.Search", "users.search", "GO `users.go`; NODE `types/lib/b2c/users.d.ts` (filters); OPENAPI; OBS-PW"},
	{"DELETE /v1/users/emails/{}", "Users.DeleteEmail", "users.deleteEmail", "GO `users.go`; OPENAPI"},
	{"DELETE /v1/users/phone_numbers/{}", "Users.DeletePhoneNumber", "users.deletePhoneNumber", "GO `users.go`; OPENAPI"},
	{"DELETE /v1/users/passwords/{}", "Users.DeletePassword", "users.deletePassword", "GO `users.go`; OPENAPI"},
	{"DELETE /v1/users/totps/{}", "Users.DeleteTOTP", "users.deleteTOTP", "GO `users.go`; OPENAPI"},
	{"POST /v1/passwords", "Passwords.Create", "passwords.create", "GO `passwords.go`; OPENAPI; PW-POLICY"},
	{"POST /v1/passwords/authenticate", "Passwords.Authenticate", "passwords.authenticate", "GO `passwords.go` (reset_password rules); OPENAPI; OBS-PW"},
	{"POST /v1/passwords/strength_check", "Passwords.StrengthCheck", "passwords.strengthCheck", "GO `passwords/types.go`; OPENAPI; PW-POLICY"},
	{"POST /v1/passwords/migrate", "Passwords.Migrate", "passwords.migrate", "GO `passwords.go`, `passwords/types.go` (hash types); OPENAPI"},
	{"POST /v1/passwords/email/reset/start", "Passwords.Email.ResetStart", "passwords.email.resetStart", "GO `passwords_email.go`, `passwords/email/types.go` (locale, PKCE); OPENAPI"},
	{"POST /v1/passwords/email/reset", "Passwords.Email.Reset", "passwords.email.reset", "GO `passwords_email.go` (revokes all sessions); OPENAPI"},
	{"POST /v1/passwords/existing_password/reset", "Passwords.ExistingPassword.Reset", "passwords.existingPassword.reset", "GO `passwords_existingpassword.go`; OPENAPI"},
	{"POST /v1/passwords/session/reset", "Passwords.Sessions.Reset", "passwords.sessions.reset", "GO `passwords_session.go` (keeps the session used, revokes the others); OPENAPI"},
	{"POST /v1/otps/sms/send", "OTPs.Sms.Send", "otps.sms.send", "GO `otp_sms.go`; OPENAPI; SBX, RUBY-IT, PY-IT (sandbox)"},
	{"POST /v1/otps/sms/login_or_create", "OTPs.Sms.LoginOrCreate", "otps.sms.loginOrCreate", "GO `otp_sms.go`; OPENAPI"},
	{"POST /v1/otps/whatsapp/send", "OTPs.Whatsapp.Send", "otps.whatsapp.send", "GO `otp_whatsapp.go`; OPENAPI; SBX"},
	{"POST /v1/otps/whatsapp/login_or_create", "OTPs.Whatsapp.LoginOrCreate", "otps.whatsapp.loginOrCreate", "GO `otp_whatsapp.go`; OPENAPI"},
	{"POST /v1/otps/email/send", "OTPs.Email.Send", "otps.email.send", "GO `otp_email.go`; OPENAPI; ERR-404 (`email_not_found`); SBX"},
	{"POST /v1/otps/email/login_or_create", "OTPs.Email.LoginOrCreate", "otps.email.loginOrCreate", "GO `otp_email.go`; OPENAPI"},
	{"POST /v1/otps/authenticate", "OTPs.Authenticate", "otps.authenticate", "GO `otp.go`; OPENAPI; OBS-OTP (factor shapes); MFA-BACKEND (rotation)"},
	{"POST /v1/totps", "TOTPs.Create", "totps.create", "GO `totps.go`; OPENAPI; TOTP-DOC; ERR-400 (`active_totp_exists`)"},
	{"POST /v1/totps/authenticate", "TOTPs.Authenticate", "totps.authenticate", "GO `totps.go`; OPENAPI; RUBY-IT, PY-IT (sandbox)"},
	{"POST /v1/totps/recovery_codes", "TOTPs.RecoveryCodes", "totps.recoveryCodes", "GO `totps.go`; OPENAPI"},
	{"POST /v1/totps/recover", "TOTPs.Recover", "totps.recover", "GO `totps.go`; OPENAPI"},
	{"GET /v1/sessions", "Sessions.Get", "sessions.get", "GO `sessions.go`; OPENAPI; NET-IT"},
	{"POST /v1/sessions/authenticate", "Sessions.Authenticate", "sessions.authenticate", "GO `sessions.go`; OPENAPI; NODE-SBX; ERR-403 (`consumer_session_authorization_error`)"},
	{"POST /v1/sessions/revoke", "Sessions.Revoke", "sessions.revoke", "GO `sessions.go`; OPENAPI"},
	{"POST /v1/magic_links/email/send", "MagicLinks.Email.Send", "magicLinks.email.send", "GO `magiclinks_email.go`; OPENAPI; SBX (sandbox email); details in magic-links.md"},
	{"POST /v1/magic_links/email/login_or_create", "MagicLinks.Email.LoginOrCreate", "magicLinks.email.loginOrCreate", "GO `magiclinks_email.go`; OPENAPI; SBX"},
	{"POST /v1/magic_links/email/invite", "MagicLinks.Email.Invite", "magicLinks.email.invite", "GO `magiclinks_email.go`; OPENAPI; SBX; invite to an active user UNCONFIRMED"},
	{"POST /v1/magic_links/email/revoke_invite", "MagicLinks.Email.RevokeInvite", "magicLinks.email.revokeInvite", "GO `magiclinks_email.go`; OPENAPI; deleting the pending user UNCONFIRMED"},
	{"POST /v1/magic_links", "MagicLinks.Create", "magicLinks.create", "GO `magiclinks.go`; OPENAPI; `embedded_id` UNCONFIRMED"},
	{"POST /v1/magic_links/authenticate", "MagicLinks.Authenticate", "magicLinks.authenticate", "GO `magiclinks.go`; OPENAPI; SBX, NET-IT (sandbox tokens); ERR-401/404"},
	// The SDKs fetch the JWKS themselves: stytch-go in NewClient, Node on the first local JWT check.
	{"GET /v1/sessions/jwks/{}", "Sessions.GetJWKS", "sessions.authenticateJwt", "GO `stytchapi/stytchapi.go`; OPENAPI; OBS-OTP"},
	{"GET /v1/rbac/policy", "RBAC.Policy", "", "GO `rbac.go`; OPENAPI; default policy UNCONFIRMED"},
	{"PUT /v1/users/{}/exchange_primary_factor", "Users.ExchangePrimaryFactor", "users.exchangePrimaryFactor", "GO `users.go` (one factor only); OPENAPI; AND-ERR (error types); what counts as a factor UNCONFIRMED"},
	{"DELETE /v1/users/{}/external_id", "", "users.deleteExternalId", "NODE `dist/b2c/users.js`; OPENAPI"},
	{"DELETE /v1/users/webauthn_registrations/{}", "Users.DeleteWebAuthnRegistration", "users.deleteWebAuthnRegistration", "GO `users.go`; OPENAPI; AND-ERR (`webauthn_registration_not_found`)"},
	{"DELETE /v1/users/biometric_registrations/{}", "Users.DeleteBiometricRegistration", "users.deleteBiometricRegistration", "GO `users.go`; OPENAPI; ERR-404"},
	{"DELETE /v1/users/crypto_wallets/{}", "Users.DeleteCryptoWallet", "users.deleteCryptoWallet", "GO `users.go`; OPENAPI; ERR-404"},
	{"DELETE /v1/users/oauth/{}", "Users.DeleteOAuthRegistration", "users.deleteOAuthRegistration", "GO `users.go`; OPENAPI; AND-ERR (`oauth_user_registration_not_found`)"},
}

// TestFidelityTable checks that every emulated route has a row, and that the generated tables of
// docs/fidelity.md are the ones the repository's tests justify: endpoint × implemented × tested
// through the Go SDK × tested through the Node SDK × source, then the routes answered 501
// endpoint_not_emulated.
func TestFidelityTable(t *testing.T) {
	root := filepath.Join("..")
	// Only code counts as a call: a comment naming a method (say, "Users.Create(" in a doc
	// comment) does not test it.
	goSources := stripGoComments(t, readSources(t, root, func(path string) bool {
		return strings.HasSuffix(path, "_test.go") && filepath.Base(path) != "fidelity_test.go" &&
			filepath.Base(path) != "sdk_routes_test.go" // the walk of every method tests nothing but the answer kind
	}))
	nodeSources := readSources(t, filepath.Join(root, "test", "node"), func(path string) bool {
		return (strings.HasSuffix(path, ".mjs") || strings.HasSuffix(path, ".js")) && filepath.Base(path) != "routes.test.mjs"
	})

	implemented := map[string]bool{}
	for _, r := range emulator.Routes() {
		if !strings.Contains(r, "/emulator/") {
			implemented[r] = true
		}
	}
	var b strings.Builder
	b.WriteString("| Endpoint | Implemented | Tested through stytch-go | Tested through the Node SDK | Source |\n|---|---|---|---|---|\n")
	seen := map[string]bool{}
	for _, row := range fidelityRows {
		seen[row.route] = true
		require.NotEmpty(t, row.source, "route %s needs a source", row.route)
		goTested := row.goCall != "" && regexp.MustCompile(`\.`+regexp.QuoteMeta(row.goCall)+`\(`).MatchString(goSources)
		nodeTested := row.node != "" && regexp.MustCompile(`\.`+regexp.QuoteMeta(row.node)+`\(`).MatchString(nodeSources)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", strings.ReplaceAll(row.route, "{}", "{id}"), mark(implemented[row.route]), callMark(goTested, row.goCall), callMark(nodeTested, row.node), row.source)
	}
	for r := range implemented {
		require.True(t, seen[r], "route %s is implemented but has no fidelity row", r)
	}
	b.WriteString("\nStytch routes the SDKs call that the emulator answers with 501 `endpoint_not_emulated`:\n\n")
	for _, r := range emulator.NotEmulatedRoutes() {
		fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(r, "{}", "{id}"))
	}
	table := b.String()

	docPath := filepath.Join(root, "docs", "fidelity.md")
	doc, err := os.ReadFile(docPath)
	require.NoError(t, err)
	const begin, end = "<!-- fidelity:begin -->\n", "<!-- fidelity:end -->"
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	require.True(t, i >= 0 && j > i, "docs/fidelity.md needs the markers %q and %q", strings.TrimSpace(begin), end)
	current := string(doc)[i+len(begin) : j]
	if *updateFidelity {
		updated := string(doc)[:i+len(begin)] + table + string(doc)[j:]
		require.NoError(t, os.WriteFile(docPath, []byte(updated), 0o644))
		return
	}
	require.Equal(t, table, current, "docs/fidelity.md's generated tables are stale: go test ./emulator -run TestFidelityTable -update-fidelity")
}

func mark(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func callMark(ok bool, call string) string {
	switch {
	case call == "":
		return "n/a"
	case ok:
		return "yes (`" + call + "`)"
	default:
		return "no"
	}
}

// readSources concatenates the files under root that keep accepts (node_modules excluded).
func readSources(t *testing.T, root string, keep func(string) bool) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !keep(path) {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b.Write(raw)
		b.WriteByte('\n')
		return nil
	})
	require.NoError(t, err)
	return b.String()
}

// stripGoComments returns src (Go source, possibly several files concatenated) with every comment,
// // and /* */ alike, blanked out; Go's scanner finds them, so that "//" inside a string literal
// (a URL, say) is not taken for a comment.
func stripGoComments(t *testing.T, src string) string {
	t.Helper()
	b := []byte(src)
	fset := token.NewFileSet()
	file := fset.AddFile("sources", fset.Base(), len(b))
	var s scanner.Scanner
	var scanErr error
	s.Init(file, b, func(pos token.Position, msg string) {
		if scanErr == nil {
			scanErr = fmt.Errorf("%s: %s", pos, msg)
		}
	}, scanner.ScanComments)
	out := []byte(src)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.COMMENT {
			continue
		}
		// The end is found in the source, not from len(lit): the scanner drops the carriage
		// returns of a comment's literal.
		start := file.Offset(pos)
		end := len(out)
		switch {
		case strings.HasPrefix(lit, "//"):
			if i := bytes.IndexByte(out[start:], '\n'); i >= 0 {
				end = start + i
			}
		case strings.HasPrefix(lit, "/*"):
			if i := bytes.Index(out[start+2:], []byte("*/")); i >= 0 {
				end = start + 2 + i + 2
			}
		}
		for i := start; i < end; i++ {
			if out[i] != '\n' {
				out[i] = ' '
			}
		}
	}
	require.NoError(t, scanErr, "scanning the Go test sources")
	return string(out)
}

func TestStripGoComments(t *testing.T) {
	src := "package x\n\n// c.Users.Create(ctx, p) in a comment\nfunc f() {\n\t/* c.Users.Get(\n\tctx) */ _ = \"http://h/x\" // c.Users.Delete(\n\tc.Users.Search(ctx, nil)\n}\n"
	got := stripGoComments(t, src)
	require.Len(t, got, len(src), "offsets and lines are kept")
	require.Equal(t, strings.Count(src, "\n"), strings.Count(got, "\n"))
	for _, gone := range []string{"Users.Create(", "Users.Get(", "Users.Delete(", "//", "/*"} {
		require.NotContains(t, strings.ReplaceAll(got, "http://h/x", ""), gone)
	}
	for _, kept := range []string{"c.Users.Search(ctx, nil)", `_ = "http://h/x"`, "func f() {"} {
		require.Contains(t, got, kept)
	}
}
