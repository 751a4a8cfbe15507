package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	caclients "github.com/stytchauth/stytch-go/v16/stytch/consumer/connectedapps/clients"
	casecrets "github.com/stytchauth/stytch-go/v16/stytch/consumer/connectedapps/clients/secrets"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/cryptowallets"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/debug"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/fraud/fingerprint"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/fraud/rules"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/fraud/verdictreasons"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/idp"
	idpoauth "github.com/stytchauth/stytch-go/v16/stytch/consumer/idp/oauth"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/impersonation"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/m2m"
	m2mclients "github.com/stytchauth/stytch-go/v16/stytch/consumer/m2m/clients"
	m2msecrets "github.com/stytchauth/stytch-go/v16/stytch/consumer/m2m/clients/secrets"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/oauth"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/existingpassword"
	pwsession "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/session"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/project"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/webauthn"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// sdkMethod is one method of stytch-go's consumer client: the route it calls ("" for a method that
// works locally only) and a call with just enough parameters to reach that route.
type sdkMethod struct {
	route string
	call  func(ctx context.Context, c *stytchapi.API) error
}

// ignoreResult adapts an SDK call's (response, error) to its error.
func ignoreResult[T any](_ T, err error) error { return err }

// goSDKMethods is every method of stytch-go v16.41.0's consumer clients (TestEverySDKMethodIsListed
// keeps it complete).
func goSDKMethods() map[string]sdkMethod {
	const id = "id-test-00000000-0000-4000-8000-000000000000"
	claims := func() *map[string]any { return &map[string]any{} }
	return map[string]sdkMethod{
		"ConnectedApp.Clients.Create": {"POST /v1/connected_apps/clients", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Create(ctx, &caclients.CreateParams{}))
		}},
		"ConnectedApp.Clients.Delete": {"DELETE /v1/connected_apps/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Delete(ctx, &caclients.DeleteParams{ClientID: id}))
		}},
		"ConnectedApp.Clients.Get": {"GET /v1/connected_apps/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Get(ctx, &caclients.GetParams{ClientID: id}))
		}},
		"ConnectedApp.Clients.Search": {"POST /v1/connected_apps/clients/search", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Search(ctx, &caclients.SearchParams{}))
		}},
		"ConnectedApp.Clients.Update": {"PUT /v1/connected_apps/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Update(ctx, &caclients.UpdateParams{ClientID: id}))
		}},
		"ConnectedApp.Clients.Secrets.Rotate": {"POST /v1/connected_apps/clients/{}/secrets/rotate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Secrets.Rotate(ctx, &casecrets.RotateParams{ClientID: id}))
		}},
		"ConnectedApp.Clients.Secrets.RotateCancel": {"POST /v1/connected_apps/clients/{}/secrets/rotate/cancel", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Secrets.RotateCancel(ctx, &casecrets.RotateCancelParams{ClientID: id}))
		}},
		"ConnectedApp.Clients.Secrets.RotateStart": {"POST /v1/connected_apps/clients/{}/secrets/rotate/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.ConnectedApp.Clients.Secrets.RotateStart(ctx, &casecrets.RotateStartParams{ClientID: id}))
		}},
		"CryptoWallets.Authenticate": {"POST /v1/crypto_wallets/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.CryptoWallets.Authenticate(ctx, &cryptowallets.AuthenticateParams{}))
		}},
		"CryptoWallets.AuthenticateStart": {"POST /v1/crypto_wallets/authenticate/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.CryptoWallets.AuthenticateStart(ctx, &cryptowallets.AuthenticateStartParams{}))
		}},
		"CryptoWallets.AuthenticateWithClaims": {"POST /v1/crypto_wallets/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.CryptoWallets.AuthenticateWithClaims(ctx, &cryptowallets.AuthenticateParams{}, claims()))
		}},
		"Debug.Whoami": {"GET /v1/debug/whoami", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Debug.Whoami(ctx, &debug.WhoamiParams{}))
		}},
		"Fraud.Fingerprint.Lookup": {"POST /v1/fingerprint/lookup", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Fraud.Fingerprint.Lookup(ctx, &fingerprint.LookupParams{}))
		}},
		"Fraud.Rules.List": {"POST /v1/rules/list", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Fraud.Rules.List(ctx, &rules.ListParams{}))
		}},
		"Fraud.Rules.Set": {"POST /v1/rules/set", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Fraud.Rules.Set(ctx, &rules.SetParams{}))
		}},
		"Fraud.VerdictReasons.List": {"POST /v1/verdict_reasons/list", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Fraud.VerdictReasons.List(ctx, &verdictreasons.ListParams{}))
		}},
		"Fraud.VerdictReasons.Override": {"POST /v1/verdict_reasons/override", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Fraud.VerdictReasons.Override(ctx, &verdictreasons.OverrideParams{}))
		}},
		"IDP.IntrospectTokenLocal": {"", nil},
		"IDP.IntrospectTokenNetwork": {"POST /v1/public/{}/oauth2/introspect", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.IDP.IntrospectTokenNetwork(ctx, &idp.IntrospectTokenNetworkParams{Token: "t", ClientID: id}))
		}},
		"IDP.OAuth.Authorize": {"POST /v1/idp/oauth/authorize", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.IDP.OAuth.Authorize(ctx, &idpoauth.AuthorizeParams{}))
		}},
		"IDP.OAuth.AuthorizeStart": {"POST /v1/idp/oauth/authorize/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.IDP.OAuth.AuthorizeStart(ctx, &idpoauth.AuthorizeStartParams{}))
		}},
		"Impersonation.Authenticate": {"POST /v1/impersonation/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Impersonation.Authenticate(ctx, &impersonation.AuthenticateParams{}))
		}},
		"Impersonation.AuthenticateWithClaims": {"POST /v1/impersonation/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Impersonation.AuthenticateWithClaims(ctx, &impersonation.AuthenticateParams{}, claims()))
		}},
		"M2M.AuthenticateToken": {"", nil},
		"M2M.Token": {"POST /v1/public/{}/oauth2/token", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Token(ctx, &m2m.TokenParams{ClientID: id, ClientSecret: "s"}))
		}},
		"M2M.Clients.Create": {"POST /v1/m2m/clients", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Create(ctx, &m2mclients.CreateParams{}))
		}},
		"M2M.Clients.Delete": {"DELETE /v1/m2m/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Delete(ctx, &m2mclients.DeleteParams{ClientID: id}))
		}},
		"M2M.Clients.Get": {"GET /v1/m2m/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Get(ctx, &m2mclients.GetParams{ClientID: id}))
		}},
		"M2M.Clients.Search": {"POST /v1/m2m/clients/search", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Search(ctx, &m2mclients.SearchParams{}))
		}},
		"M2M.Clients.Update": {"PUT /v1/m2m/clients/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Update(ctx, &m2mclients.UpdateParams{ClientID: id}))
		}},
		"M2M.Clients.Secrets.Rotate": {"POST /v1/m2m/clients/{}/secrets/rotate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Secrets.Rotate(ctx, &m2msecrets.RotateParams{ClientID: id}))
		}},
		"M2M.Clients.Secrets.RotateCancel": {"POST /v1/m2m/clients/{}/secrets/rotate/cancel", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Secrets.RotateCancel(ctx, &m2msecrets.RotateCancelParams{ClientID: id}))
		}},
		"M2M.Clients.Secrets.RotateStart": {"POST /v1/m2m/clients/{}/secrets/rotate/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.M2M.Clients.Secrets.RotateStart(ctx, &m2msecrets.RotateStartParams{ClientID: id}))
		}},
		"MagicLinks.Authenticate": {"POST /v1/magic_links/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: "t"}))
		}},
		"MagicLinks.AuthenticateWithClaims": {"POST /v1/magic_links/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.AuthenticateWithClaims(ctx, &magiclinks.AuthenticateParams{Token: "t"}, claims()))
		}},
		"MagicLinks.Create": {"POST /v1/magic_links", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Create(ctx, &magiclinks.CreateParams{UserID: id}))
		}},
		"MagicLinks.Email.Invite": {"POST /v1/magic_links/email/invite", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Email.Invite(ctx, &mlemail.InviteParams{Email: "x@example.com"}))
		}},
		"MagicLinks.Email.LoginOrCreate": {"POST /v1/magic_links/email/login_or_create", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "x@example.com"}))
		}},
		"MagicLinks.Email.RevokeInvite": {"POST /v1/magic_links/email/revoke_invite", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Email.RevokeInvite(ctx, &mlemail.RevokeInviteParams{Email: "x@example.com"}))
		}},
		"MagicLinks.Email.Send": {"POST /v1/magic_links/email/send", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.MagicLinks.Email.Send(ctx, &mlemail.SendParams{Email: "x@example.com"}))
		}},
		"OAuth.Attach": {"POST /v1/oauth/attach", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OAuth.Attach(ctx, &oauth.AttachParams{}))
		}},
		"OAuth.Authenticate": {"POST /v1/oauth/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OAuth.Authenticate(ctx, &oauth.AuthenticateParams{}))
		}},
		"OAuth.AuthenticateWithClaims": {"POST /v1/oauth/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OAuth.AuthenticateWithClaims(ctx, &oauth.AuthenticateParams{}, claims()))
		}},
		"OTPs.Authenticate": {"POST /v1/otps/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: "phone-number-test-" + id[8:], Code: "123456"}))
		}},
		"OTPs.AuthenticateWithClaims": {"POST /v1/otps/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.AuthenticateWithClaims(ctx, &otp.AuthenticateParams{MethodID: "phone-number-test-" + id[8:], Code: "123456"}, claims()))
		}},
		"OTPs.Email.LoginOrCreate": {"POST /v1/otps/email/login_or_create", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Email.LoginOrCreate(ctx, &email.LoginOrCreateParams{Email: "walk@example.com"}))
		}},
		"OTPs.Email.Send": {"POST /v1/otps/email/send", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Email.Send(ctx, &email.SendParams{Email: "walk@example.com"}))
		}},
		"OTPs.Sms.LoginOrCreate": {"POST /v1/otps/sms/login_or_create", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Sms.LoginOrCreate(ctx, &sms.LoginOrCreateParams{PhoneNumber: "+15555550199"}))
		}},
		"OTPs.Sms.Send": {"POST /v1/otps/sms/send", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: "+15555550199"}))
		}},
		"OTPs.Whatsapp.LoginOrCreate": {"POST /v1/otps/whatsapp/login_or_create", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Whatsapp.LoginOrCreate(ctx, &whatsapp.LoginOrCreateParams{PhoneNumber: "+15555550199"}))
		}},
		"OTPs.Whatsapp.Send": {"POST /v1/otps/whatsapp/send", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.OTPs.Whatsapp.Send(ctx, &whatsapp.SendParams{PhoneNumber: "+15555550199"}))
		}},
		"Passwords.Authenticate": {"POST /v1/passwords/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "walk@example.com", Password: strongPassword}))
		}},
		"Passwords.AuthenticateWithClaims": {"POST /v1/passwords/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.AuthenticateWithClaims(ctx, &passwords.AuthenticateParams{Email: "walk@example.com", Password: strongPassword}, claims()))
		}},
		"Passwords.Create": {"POST /v1/passwords", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Create(ctx, &passwords.CreateParams{Email: "walk-pw@example.com", Password: strongPassword}))
		}},
		"Passwords.Migrate": {"POST /v1/passwords/migrate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Migrate(ctx, &passwords.MigrateParams{Email: "walk@example.com"}))
		}},
		"Passwords.StrengthCheck": {"POST /v1/passwords/strength_check", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.StrengthCheck(ctx, &passwords.StrengthCheckParams{Password: strongPassword}))
		}},
		"Passwords.Email.Reset": {"POST /v1/passwords/email/reset", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Email.Reset(ctx, &pwemail.ResetParams{Token: "t", Password: strongPassword}))
		}},
		"Passwords.Email.ResetStart": {"POST /v1/passwords/email/reset/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Email.ResetStart(ctx, &pwemail.ResetStartParams{Email: "walk@example.com"}))
		}},
		"Passwords.ExistingPassword.Reset": {"POST /v1/passwords/existing_password/reset", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.ExistingPassword.Reset(ctx, &existingpassword.ResetParams{Email: "walk@example.com", ExistingPassword: "a", NewPassword: strongPassword}))
		}},
		"Passwords.Sessions.Reset": {"POST /v1/passwords/session/reset", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Passwords.Sessions.Reset(ctx, &pwsession.ResetParams{Password: strongPassword, SessionToken: emulator.SandboxMissingSessionToken}))
		}},
		"Project.Metrics": {"GET /v1/projects/metrics", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Project.Metrics(ctx, &project.MetricsParams{}))
		}},
		"RBAC.Policy": {"GET /v1/rbac/policy", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.RBAC.Policy(ctx, &rbac.PolicyParams{}))
		}},
		"Sessions.Attest": {"POST /v1/sessions/attest", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.Attest(ctx, &sessions.AttestParams{}))
		}},
		"Sessions.Authenticate": {"POST /v1/sessions/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: emulator.SandboxSessionToken}))
		}},
		"Sessions.AuthenticateJWT": {"POST /v1/sessions/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.AuthenticateJWT(ctx, 0, &sessions.AuthenticateParams{SessionJWT: "not.a.jwt"}))
		}},
		"Sessions.AuthenticateJWTLocal": {"", nil},
		"Sessions.AuthenticateJWTWithClaims": {"POST /v1/sessions/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.AuthenticateJWTWithClaims(ctx, 0, &sessions.AuthenticateParams{SessionJWT: "not.a.jwt"}, map[string]any{}))
		}},
		"Sessions.AuthenticateWithClaims": {"POST /v1/sessions/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.AuthenticateWithClaims(ctx, &sessions.AuthenticateParams{SessionToken: emulator.SandboxSessionToken}, claims()))
		}},
		"Sessions.ExchangeAccessToken": {"POST /v1/sessions/exchange_access_token", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.ExchangeAccessToken(ctx, &sessions.ExchangeAccessTokenParams{}))
		}},
		"Sessions.Get": {"GET /v1/sessions", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.Get(ctx, &sessions.GetParams{UserID: id}))
		}},
		"Sessions.GetJWKS": {"GET /v1/sessions/jwks/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.GetJWKS(ctx, &sessions.GetJWKSParams{ProjectID: emulator.DefaultProjectID}))
		}},
		"Sessions.Migrate": {"POST /v1/sessions/migrate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.Migrate(ctx, &sessions.MigrateParams{}))
		}},
		"Sessions.Revoke": {"POST /v1/sessions/revoke", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: emulator.SandboxMissingSessionToken}))
		}},
		"TOTPs.Authenticate": {"POST /v1/totps/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.TOTPs.Authenticate(ctx, &totps.AuthenticateParams{UserID: id, TOTPCode: "123456"}))
		}},
		"TOTPs.AuthenticateWithClaims": {"POST /v1/totps/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.TOTPs.AuthenticateWithClaims(ctx, &totps.AuthenticateParams{UserID: id, TOTPCode: "123456"}, claims()))
		}},
		"TOTPs.Create": {"POST /v1/totps", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.TOTPs.Create(ctx, &totps.CreateParams{UserID: id}))
		}},
		"TOTPs.Recover": {"POST /v1/totps/recover", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.TOTPs.Recover(ctx, &totps.RecoverParams{UserID: id, RecoveryCode: "aaaa-bbbb-cccc"}))
		}},
		"TOTPs.RecoveryCodes": {"POST /v1/totps/recovery_codes", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.TOTPs.RecoveryCodes(ctx, &totps.RecoveryCodesParams{UserID: id}))
		}},
		"Users.ConnectedApps": {"GET /v1/users/{}/connected_apps", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.ConnectedApps(ctx, &users.ConnectedAppsParams{UserID: id}))
		}},
		"Users.Create": {"POST /v1/users", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Create(ctx, &users.CreateParams{Email: "walk-user@example.com"}))
		}},
		"Users.Delete": {"DELETE /v1/users/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Delete(ctx, &users.DeleteParams{UserID: id}))
		}},
		"Users.DeleteBiometricRegistration": {"DELETE /v1/users/biometric_registrations/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteBiometricRegistration(ctx, &users.DeleteBiometricRegistrationParams{BiometricRegistrationID: id}))
		}},
		"Users.DeleteCryptoWallet": {"DELETE /v1/users/crypto_wallets/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteCryptoWallet(ctx, &users.DeleteCryptoWalletParams{CryptoWalletID: id}))
		}},
		"Users.DeleteEmail": {"DELETE /v1/users/emails/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteEmail(ctx, &users.DeleteEmailParams{EmailID: id}))
		}},
		"Users.DeleteOAuthRegistration": {"DELETE /v1/users/oauth/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteOAuthRegistration(ctx, &users.DeleteOAuthRegistrationParams{OAuthUserRegistrationID: id}))
		}},
		"Users.DeletePassword": {"DELETE /v1/users/passwords/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeletePassword(ctx, &users.DeletePasswordParams{PasswordID: id}))
		}},
		"Users.DeletePhoneNumber": {"DELETE /v1/users/phone_numbers/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeletePhoneNumber(ctx, &users.DeletePhoneNumberParams{PhoneID: id}))
		}},
		"Users.DeleteTOTP": {"DELETE /v1/users/totps/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteTOTP(ctx, &users.DeleteTOTPParams{TOTPID: id}))
		}},
		"Users.DeleteWebAuthnRegistration": {"DELETE /v1/users/webauthn_registrations/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.DeleteWebAuthnRegistration(ctx, &users.DeleteWebAuthnRegistrationParams{WebAuthnRegistrationID: id}))
		}},
		"Users.ExchangePrimaryFactor": {"PUT /v1/users/{}/exchange_primary_factor", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.ExchangePrimaryFactor(ctx, &users.ExchangePrimaryFactorParams{UserID: id, EmailAddress: "walk@example.com"}))
		}},
		"Users.Get": {"GET /v1/users/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Get(ctx, &users.GetParams{UserID: id}))
		}},
		"Users.Revoke": {"POST /v1/users/{}/connected_apps/{}/revoke", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Revoke(ctx, &users.RevokeParams{UserID: id, ConnectedAppID: id}))
		}},
		"Users.Search": {"POST /v1/users/search", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Search(ctx, &users.SearchParams{}))
		}},
		"Users.Update": {"PUT /v1/users/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.Users.Update(ctx, &users.UpdateParams{UserID: id}))
		}},
		"WebAuthn.Authenticate": {"POST /v1/webauthn/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.Authenticate(ctx, &webauthn.AuthenticateParams{}))
		}},
		"WebAuthn.AuthenticateStart": {"POST /v1/webauthn/authenticate/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.AuthenticateStart(ctx, &webauthn.AuthenticateStartParams{}))
		}},
		"WebAuthn.AuthenticateWithClaims": {"POST /v1/webauthn/authenticate", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.AuthenticateWithClaims(ctx, &webauthn.AuthenticateParams{}, claims()))
		}},
		"WebAuthn.ListCredentials": {"GET /v1/webauthn/credentials/{}/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.ListCredentials(ctx, &webauthn.ListCredentialsParams{UserID: id, Domain: "example.com"}))
		}},
		"WebAuthn.Register": {"POST /v1/webauthn/register", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.Register(ctx, &webauthn.RegisterParams{}))
		}},
		"WebAuthn.RegisterStart": {"POST /v1/webauthn/register/start", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.RegisterStart(ctx, &webauthn.RegisterStartParams{}))
		}},
		"WebAuthn.Update": {"PUT /v1/webauthn/{}", func(ctx context.Context, c *stytchapi.API) error {
			return ignoreResult(c.WebAuthn.Update(ctx, &webauthn.UpdateParams{WebAuthnRegistrationID: id}))
		}},
	}
}

// clientMethods lists "Field.Sub.Method" for every exported method of the SDK's client tree.
func clientMethods(prefix string, v reflect.Value) []string {
	var out []string
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		if prefix != "" {
			out = append(out, prefix+"."+t.Method(i).Name)
		}
	}
	s := v.Elem()
	for i := 0; i < s.NumField(); i++ {
		f := s.Type().Field(i)
		fv := s.Field(i)
		if !f.IsExported() || fv.Kind() != reflect.Pointer || fv.IsNil() || !strings.HasSuffix(fv.Elem().Type().Name(), "Client") {
			continue
		}
		name := f.Name
		if prefix != "" {
			name = prefix + "." + f.Name
		}
		out = append(out, clientMethods(name, fv)...)
	}
	return out
}

// TestEverySDKMethodIsListed keeps goSDKMethods complete: every method of the stytch-go client has
// a row, so an SDK upgrade that adds one fails here until it is classified.
func TestEverySDKMethodIsListed(t *testing.T) {
	t.Parallel()
	h := newH(t, "inprocess")
	listed := goSDKMethods()
	found := clientMethods("", reflect.ValueOf(h.C))
	require.Greater(t, len(found), 100, "the walk finds the SDK's methods")
	for _, m := range found {
		_, ok := listed[m]
		require.True(t, ok, "stytch-go method %s has no row in goSDKMethods", m)
	}
	for m := range listed {
		require.Contains(t, found, m, "goSDKMethods lists %s, which stytch-go does not have", m)
	}
}

// routeMatches reports whether method and path are an instance of route ("METHOD /a/{}/b").
func routeMatches(route, method, path string) bool {
	m, pattern, _ := strings.Cut(route, " ")
	want, got := strings.Split(pattern, "/"), strings.Split(path, "/")
	if m != method || len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != "{}" && want[i] != got[i] || want[i] == "{}" && got[i] == "" {
			return false
		}
	}
	return true
}

// TestEverySDKMethodGetsAnHonestAnswer walks every stytch-go consumer method that calls the API:
// an emulated route answers as the emulator does (never endpoint_not_emulated, route_not_found or
// method_not_allowed); any other route answers 501 endpoint_not_emulated. Either way the request
// is in the project's request log.
func TestEverySDKMethodGetsAnHonestAnswer(t *testing.T) {
	t.Parallel()
	served := map[string]bool{}
	for _, r := range emulator.Routes() {
		served[r] = true
	}
	notServed := map[string]bool{}
	for _, r := range emulator.NotEmulatedRoutes() {
		notServed[r] = true
	}
	both(t, func(t *testing.T, h *H) {
		// The fraud methods go to the fraud base URL: point it here too.
		c := h.sdk(t, h.PID, h.Secret, stytchapi.WithFraudBaseURI(h.Base))
		methods := goSDKMethods()
		names := make([]string, 0, len(methods))
		for n := range methods {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, name := range names {
			m := methods[name]
			if m.route == "" {
				continue // works locally, without a request
			}
			require.True(t, served[m.route] != notServed[m.route], "%s: route %s must be either served or listed as not emulated", name, m.route)
			before := len(h.Cap.all())
			_ = m.call(h.Ctx, c)
			var x exchange
			for _, e := range h.Cap.all()[before:] {
				if routeMatches(m.route, e.Method, e.Path) {
					x = e
				}
			}
			require.NotZero(t, x.Status, "%s made no request to %s", name, m.route)
			var body struct {
				ErrorType string `json:"error_type"`
			}
			_ = json.Unmarshal(x.Body, &body)
			if notServed[m.route] {
				require.Equal(t, http.StatusNotImplemented, x.Status, "%s: %s", name, x.Body)
				requireErrorBody(t, x.Status, x.Body, "endpoint_not_emulated")
				require.Contains(t, string(x.Body), "does not emulate")
			} else {
				require.NotEqual(t, http.StatusNotImplemented, x.Status, "%s: %s", name, x.Body)
				require.NotContains(t, []string{"endpoint_not_emulated", "route_not_found", "method_not_allowed"}, body.ErrorType, "%s: %s", name, x.Body)
			}
			if strings.Contains(x.Path, "/v1/sessions/jwks/") {
				continue // public: no project, no log
			}
			log := h.E.Project(h.PID).Requests()
			require.NotEmpty(t, log, name)
			last := log[len(log)-1]
			require.Equal(t, x.Path, last.Path, "%s is in the request log", name)
			require.Equal(t, x.Status, last.Status, name)
		}
	})
}

// TestRefusedCredentialsAreLogged: a request with a wrong secret for a known project is refused
// 401 and appears in that project's request log; a route that is not emulated answers 501 even
// without credentials.
func TestRefusedCredentialsAreLogged(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		status, body := h.Raw(t, "GET", "/v1/users/"+emulator.SandboxUserID, nil, basic(h.PID, "secret-test-wrong"))
		require.Equal(t, http.StatusUnauthorized, status)
		m := requireErrorBody(t, status, body, "unauthorized_credentials")
		log := h.E.Project(h.PID).Requests()
		require.NotEmpty(t, log)
		last := log[len(log)-1]
		require.Equal(t, "/v1/users/"+emulator.SandboxUserID, last.Path)
		require.Equal(t, http.StatusUnauthorized, last.Status)
		require.Equal(t, "unauthorized_credentials", last.ErrorType)
		require.Equal(t, m["request_id"], last.RequestID)

		status, body = h.Raw(t, "POST", "/v1/magic_links/email/send", []byte(`{"email":"a@example.com"}`), "-")
		if status != http.StatusNotImplemented { // emulated by now: then it needs credentials
			requireErrorBody(t, status, body, "unauthorized_credentials")
			return
		}
		requireErrorBody(t, status, body, "endpoint_not_emulated")
	})
}

// TestUnknownRouteIsStillNotFound: a path that is no Stytch route keeps answering 404
// route_not_found.
func TestUnknownRouteIsStillNotFound(t *testing.T) {
	t.Parallel()
	h := newH(t, "inprocess")
	status, body := h.Raw(t, "POST", "/v1/no_such_family/endpoint", []byte(`{}`), "")
	require.Equal(t, http.StatusNotFound, status)
	requireErrorBody(t, status, body, "route_not_found")
}
