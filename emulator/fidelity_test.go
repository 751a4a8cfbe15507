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

// updateReadme rewrites the README's fidelity table instead of checking it:
// go test ./emulator -run TestFidelityTable -update-readme
var updateReadme = flag.Bool("update-readme", false, "rewrite the fidelity table in README.md")

// fidelityRow names the SDK calls that exercise a route: the stytch-go method (as called on the
// client) and the Node SDK method. The table says a route is tested through an SDK when a test
// file of the repository makes that call.
type fidelityRow struct {
	route  string
	goCall string // e.g. "Passwords.Create"; "" when stytch-go has no call for it
	node   string // e.g. "passwords.create"
}

var fidelityRows = []fidelityRow{
	{"POST /v1/users", "Users.Create", "users.create"},
	{"GET /v1/users/{}", "Users.Get", "users.get"},
	{"PUT /v1/users/{}", "Users.Update", "users.update"},
	{"DELETE /v1/users/{}", "Users.Delete", "users.delete"},
	{"POST /v1/users/search", "Users.Search", "users.search"},
	{"DELETE /v1/users/emails/{}", "Users.DeleteEmail", "users.deleteEmail"},
	{"DELETE /v1/users/phone_numbers/{}", "Users.DeletePhoneNumber", "users.deletePhoneNumber"},
	{"DELETE /v1/users/passwords/{}", "Users.DeletePassword", "users.deletePassword"},
	{"DELETE /v1/users/totps/{}", "Users.DeleteTOTP", "users.deleteTOTP"},
	{"POST /v1/passwords", "Passwords.Create", "passwords.create"},
	{"POST /v1/passwords/authenticate", "Passwords.Authenticate", "passwords.authenticate"},
	{"POST /v1/passwords/strength_check", "Passwords.StrengthCheck", "passwords.strengthCheck"},
	{"POST /v1/passwords/migrate", "Passwords.Migrate", "passwords.migrate"},
	{"POST /v1/passwords/email/reset/start", "Passwords.Email.ResetStart", "passwords.email.resetStart"},
	{"POST /v1/passwords/email/reset", "Passwords.Email.Reset", "passwords.email.reset"},
	{"POST /v1/passwords/existing_password/reset", "Passwords.ExistingPassword.Reset", "passwords.existingPassword.reset"},
	{"POST /v1/passwords/session/reset", "Passwords.Sessions.Reset", "passwords.sessions.reset"},
	{"POST /v1/otps/sms/send", "OTPs.Sms.Send", "otps.sms.send"},
	{"POST /v1/otps/sms/login_or_create", "OTPs.Sms.LoginOrCreate", "otps.sms.loginOrCreate"},
	{"POST /v1/otps/whatsapp/send", "OTPs.Whatsapp.Send", "otps.whatsapp.send"},
	{"POST /v1/otps/whatsapp/login_or_create", "OTPs.Whatsapp.LoginOrCreate", "otps.whatsapp.loginOrCreate"},
	{"POST /v1/otps/email/send", "OTPs.Email.Send", "otps.email.send"},
	{"POST /v1/otps/email/login_or_create", "OTPs.Email.LoginOrCreate", "otps.email.loginOrCreate"},
	{"POST /v1/otps/authenticate", "OTPs.Authenticate", "otps.authenticate"},
	{"POST /v1/magic_links/email/send", "MagicLinks.Email.Send", "magicLinks.email.send"},
	{"POST /v1/magic_links/email/login_or_create", "MagicLinks.Email.LoginOrCreate", "magicLinks.email.loginOrCreate"},
	{"POST /v1/magic_links/email/invite", "MagicLinks.Email.Invite", "magicLinks.email.invite"},
	{"POST /v1/magic_links/email/revoke_invite", "MagicLinks.Email.RevokeInvite", "magicLinks.email.revokeInvite"},
	{"POST /v1/magic_links", "MagicLinks.Create", "magicLinks.create"},
	{"POST /v1/magic_links/authenticate", "MagicLinks.Authenticate", "magicLinks.authenticate"},
	{"POST /v1/totps", "TOTPs.Create", "totps.create"},
	{"POST /v1/totps/authenticate", "TOTPs.Authenticate", "totps.authenticate"},
	{"POST /v1/totps/recovery_codes", "TOTPs.RecoveryCodes", "totps.recoveryCodes"},
	{"POST /v1/totps/recover", "TOTPs.Recover", "totps.recover"},
	{"GET /v1/sessions", "Sessions.Get", "sessions.get"},
	{"POST /v1/sessions/authenticate", "Sessions.Authenticate", "sessions.authenticate"},
	{"POST /v1/sessions/revoke", "Sessions.Revoke", "sessions.revoke"},
	// The SDKs fetch the JWKS themselves: stytch-go in NewClient, Node on the first local JWT check.
	{"GET /v1/sessions/jwks/{}", "Sessions.GetJWKS", "sessions.authenticateJwt"},
	{"GET /v1/rbac/policy", "RBAC.Policy", ""},
}

// TestFidelityTable checks that every emulated route has a row, and that README.md's fidelity
// table is the one the repository's tests justify (endpoint × implemented × tested through the Go
// SDK × tested through the Node SDK).
func TestFidelityTable(t *testing.T) {
	root := filepath.Join("..")
	// Only code counts as a call: a comment naming a method (say, "Users.Create(" in a doc
	// comment) does not test it.
	goSources := stripGoComments(t, readSources(t, root, func(path string) bool {
		return strings.HasSuffix(path, "_test.go") && !strings.HasSuffix(path, "fidelity_test.go")
	}))
	nodeSources := readSources(t, filepath.Join(root, "test", "node"), func(path string) bool {
		return strings.HasSuffix(path, ".mjs") || strings.HasSuffix(path, ".js")
	})

	implemented := map[string]bool{}
	for _, r := range emulator.Routes() {
		if !strings.Contains(r, "/emulator/") {
			implemented[r] = true
		}
	}
	var b strings.Builder
	b.WriteString("| Endpoint | Implemented | Tested through stytch-go | Tested through the Node SDK |\n|---|---|---|---|\n")
	seen := map[string]bool{}
	for _, row := range fidelityRows {
		seen[row.route] = true
		goTested := row.goCall != "" && regexp.MustCompile(`\.`+regexp.QuoteMeta(row.goCall)+`\(`).MatchString(goSources)
		nodeTested := row.node != "" && regexp.MustCompile(`\.`+regexp.QuoteMeta(row.node)+`\(`).MatchString(nodeSources)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", strings.ReplaceAll(row.route, "{}", "{id}"), mark(implemented[row.route]), callMark(goTested, row.goCall), callMark(nodeTested, row.node))
	}
	for r := range implemented {
		require.True(t, seen[r], "route %s is implemented but has no fidelity row", r)
	}
	table := b.String()

	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	const begin, end = "<!-- fidelity:begin -->\n", "<!-- fidelity:end -->"
	i, j := strings.Index(string(readme), begin), strings.Index(string(readme), end)
	require.True(t, i >= 0 && j > i, "README.md needs the markers %q and %q", strings.TrimSpace(begin), end)
	current := string(readme)[i+len(begin) : j]
	if *updateReadme {
		updated := string(readme)[:i+len(begin)] + table + string(readme)[j:]
		require.NoError(t, os.WriteFile(readmePath, []byte(updated), 0o644))
		return
	}
	require.Equal(t, table, current, "README.md's fidelity table is stale: go test ./emulator -run TestFidelityTable -update-readme")
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
