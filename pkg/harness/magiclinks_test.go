package harness_test

import (
	"testing"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestTest_MagicLinks drives every magic-link action: a pending sign-up link is used once and
// makes the user active; a login link dies on the virtual clock; a PKCE link needs its verifier;
// an invite is accepted, another revoked; an embeddable link joins the session.
func TestTest_MagicLinks(t *testing.T) {
	used := &harness.ExpectError{Status: 401, ErrorType: "unable_to_auth_magic_link"}
	revoked := "revoked-" + time.Now().Format("150405.000000000") + "@example.com"
	harness.Test(t, harness.TestCase{
		Requires: []target.Capability{target.ReadCodes, target.ClockControl},
		Steps: []harness.TestStep{
			{Name: "sign up pending", Action: harness.MagicLinkLoginOrCreate{CreateUserAsPending: true},
				Check: harness.CheckMagicLinkType("signup")},
			{Name: "pending", Action: harness.UsersGet{}, Check: harness.CheckUserStatus("pending")},
			{Name: "click", Action: harness.MagicLinkAuthenticate{},
				Check: harness.ComposeAggregateCheckFunc(harness.CheckSessionFactors(harness.FactorMagicLink), harness.CheckUserStatus("active"), harness.CheckEmailVerified(true))},
			{Name: "click again", Action: harness.MagicLinkAuthenticate{Again: true}, ExpectError: used},

			{Name: "login link", Action: harness.MagicLinkSend{LoginMinutes: 5}, Check: harness.CheckMagicLinkType("login")},
			{Name: "five minutes", Action: harness.AdvanceTime{D: 5 * time.Minute}},
			{Name: "expired", Action: harness.MagicLinkAuthenticate{}, ExpectError: used},

			{Name: "PKCE link", Action: harness.MagicLinkSend{PKCE: true}},
			{Name: "no verifier", Action: harness.MagicLinkAuthenticate{Verifier: harness.NoVerifier},
				ExpectError: &harness.ExpectError{Status: 400, ErrorType: "pkce_expected_code_verifier"}},
			{Name: "wrong verifier", Action: harness.MagicLinkAuthenticate{Verifier: harness.WrongVerifier},
				ExpectError: &harness.ExpectError{Status: 400, ErrorType: "pkce_mismatch"}},
			{Name: "right verifier", Action: harness.MagicLinkAuthenticate{WithSession: true},
				Check: harness.CheckSessionFactors(harness.FactorMagicLink)},

			{Name: "embeddable", Action: harness.MagicLinkCreate{}},
			{Name: "embedded click", Action: harness.MagicLinkAuthenticate{WithSession: true},
				Check: harness.CheckSessionFactors(harness.FactorMagicLink, harness.FactorEmbeddedMagicLink)},

			{Name: "invite", Action: harness.MagicLinkInvite{To: "invitee-" + time.Now().Format("150405.000000000") + "@example.com"},
				Check: harness.CheckMagicLinkType("invite")},
			{Name: "accept", Action: harness.MagicLinkAuthenticate{SessionMinutes: harness.NoSession},
				Check: harness.ComposeAggregateCheckFunc(harness.CheckNoSessionStarted(), harness.CheckUserStatus("active"))},
			{Name: "invite another", Action: harness.MagicLinkInvite{To: revoked}},
			{Name: "revoke", Action: harness.MagicLinkRevokeInvite{To: revoked}},
			{Name: "revoked link", Action: harness.MagicLinkAuthenticate{}, ExpectError: &harness.ExpectError{Status: 404, ErrorType: "magic_link_not_found"}},
			{Name: "revoke again", Action: harness.MagicLinkRevokeInvite{To: revoked}, ExpectError: &harness.ExpectError{Status: 404, ErrorType: "email_not_found"}},
		},
		CheckDestroy: harness.CheckUsersDeleted(),
	})
}
