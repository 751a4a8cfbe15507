// Package goapp is the reference application of the suite: a small service that integrates Stytch
// the way the backend MFA guide says, with stytch-go and pkg/mfa. A user signs up or in with a
// password; asks for an SMS code with the session, which attaches the phone to the user; submits
// the code with the session, which steps the session up, and stores the session token Stytch
// rotated; then /account (a password and an SMS factor) lets them in, and /transfer too while the
// SMS factor is at most 5 minutes old; a user who registers an authenticator app and submits its
// code opens /authenticator (a password and a TOTP factor). A user can also sign up or in with an
// email magic link: POST /magic-link has Stytch email a link that leads to the app's redirect URL,
// GET /authenticate?stytch_token_type=magic_links&token=..., which authenticates the token with the
// session the user has, if any, and stores the session; /inbox needs an email magic link and an
// SMS factor. The magic links use PKCE: the send keeps a one-time code_verifier in a cookie of the
// browser that asked and gives Stytch its hash, and the callback authenticates the token with that
// verifier, so a link opened in any other browser signs nobody in. Its app contract is app.yaml
// (Contract).
//
// New builds the handler, in process (steps.WithApp) or behind cmd/goapp, a standalone service
// driven over HTTP by stytch-conform --app. Config.Defect plants one integration bug at a time, to
// prove that the suite catches it.
package goapp

import (
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/mfa"
)

// contractYAML is app.yaml, the app's contract.
//
//go:embed app.yaml
var contractYAML string

// Contract returns the app's contract (app.yaml).
func Contract() *app.Contract {
	c, err := app.Parse([]byte(contractYAML))
	if err != nil {
		panic("goapp: app.yaml: " + err.Error()) // a test keeps it valid
	}
	return c
}

// StepUpWindow is how recent the SMS factor must be for a sensitive action (the guide's 5 minutes).
const StepUpWindow = 5 * time.Minute

// sessionMinutes is the lifetime of the sessions the app starts.
const sessionMinutes = 60

// phoneCookie keeps the phone_id of the last SMS code sent, for the code's submission.
const phoneCookie = "mfa_phone_id"

// verifierCookie keeps the PKCE code_verifier of the last magic link the browser asked for, for the
// callback: HttpOnly, Secure, SameSite=Lax (sent on the top-level GET a click in an email makes),
// scoped to the callback's path and living as long as the link.
const verifierCookie = "stytch_pkce_verifier"

// linkMinutes is the lifetime of the magic links the app sends, login and sign-up links alike, and
// of their verifier cookie.
const linkMinutes = 60

// callbackPath is the path of the app's redirect URL when Config.MagicLinkURL does not name one.
const callbackPath = "/authenticate"

// maxBody bounds a request body.
const maxBody = 16 << 10

// Defect is an integration bug the app can be started with, one at a time, to prove that the app
// features catch it. The zero Defect is none.
type Defect string

// The planted defects.
const (
	// NoDefect is the correct app.
	NoDefect Defect = ""
	// KeepsOldToken: after the step-up the app keeps the session token it had, not the one Stytch
	// rotated to; the old token dies after Stytch's grace period.
	KeepsOldToken Defect = "keeps-old-token"
	// SkipsFactorCheck: the protected page lets any signed-in session through.
	SkipsFactorCheck Defect = "skips-factor-check"
	// IgnoresFactorAge: the sensitive action does not check how old the SMS factor is.
	IgnoresFactorAge Defect = "ignores-factor-age"
	// CodeWithoutSession: the app authenticates the SMS code without the session token, so Stytch
	// starts a new session with the SMS factor alone instead of stepping the session up.
	CodeWithoutSession Defect = "code-without-session"
	// LinkWithoutSession: the magic-link callback authenticates the token without the session the
	// user has, so Stytch starts a new session with the magic-link factor alone instead of adding
	// the factor to the session: the user loses the SMS factor they had.
	LinkWithoutSession Defect = "link-without-session"
	// SkipsLinkCheck: the magic-link page checks the SMS factor only, not the magic link.
	SkipsLinkCheck Defect = "skips-link-check"
	// LinkKeepsOldToken: when the link joins the session the user has, the callback keeps the
	// session token it had instead of the one Stytch rotated; the session works until the old
	// token's grace ends.
	LinkKeepsOldToken Defect = "link-keeps-old-token"
)

// Defects returns every planted defect.
func Defects() []Defect {
	return []Defect{KeepsOldToken, SkipsFactorCheck, IgnoresFactorAge, CodeWithoutSession, LinkWithoutSession, SkipsLinkCheck,
		LinkKeepsOldToken}
}

// ParseDefect returns the defect named s ("" or "none" for none).
func ParseDefect(s string) (Defect, error) {
	if s == "" || s == "none" {
		return NoDefect, nil
	}
	for _, d := range Defects() {
		if string(d) == s {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown defect %q (known: none, %v)", s, Defects())
}

// Config configures the app. Client is required.
type Config struct {
	// Client is the stytch-go client of the app's project.
	Client *stytchapi.API
	// Clock is the app's clock for factor ages; nil means real time.
	Clock mfa.Clock
	// MagicLinkURL is where the magic links lead: the app's GET /authenticate as a browser reaches
	// it, e.g. https://app.example.com/authenticate. It must be one of the project's redirect URLs
	// (Stytch's dashboard; the emulator's --redirect-urls). "" leaves it to the project's default
	// redirect URL: http://localhost:3000/authenticate on a new Test project and on the emulator,
	// this app's callback when served at localhost:3000. Its path (/authenticate when unset) scopes
	// the PKCE verifier cookie.
	MagicLinkURL string
	// Defect plants one integration bug (NoDefect: none).
	Defect Defect
	// Logger, when set, receives Stytch errors.
	Logger *slog.Logger
}

// New returns the app's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Client == nil {
		return nil, errors.New("goapp: Config.Client is nil")
	}
	if _, err := ParseDefect(string(cfg.Defect)); err != nil {
		return nil, fmt.Errorf("goapp: %w", err)
	}
	linkPath := callbackPath // the verifier cookie's path: the callback as the browser reaches it
	if cfg.MagicLinkURL != "" {
		u, err := url.Parse(cfg.MagicLinkURL)
		if err != nil {
			return nil, fmt.Errorf("goapp: Config.MagicLinkURL: %w", err)
		}
		if u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("goapp: Config.MagicLinkURL %q: want an absolute URL, e.g. https://app.example.com/authenticate", cfg.MagicLinkURL)
		}
		linkPath = u.EscapedPath()
		if linkPath == "" {
			linkPath = "/"
		}
	}
	a := &server{cfg: cfg, linkPath: linkPath, mw: &mfa.Middleware{Sessions: cfg.Client.Sessions, Clock: cfg.Clock, JWTMaxAge: -1, Logger: cfg.Logger}}
	protected := mfa.Policy{Require: []mfa.Requirement{mfa.Password, mfa.SMS}}
	if cfg.Defect == SkipsFactorCheck {
		protected = mfa.Policy{}
	}
	sensitive := protected.WithStepUp(mfa.SMS, StepUpWindow)
	if cfg.Defect == IgnoresFactorAge {
		sensitive = protected
	}
	authenticator := mfa.Policy{Require: []mfa.Requirement{mfa.Password, mfa.TOTP}}
	magicLink := mfa.Policy{Require: []mfa.Requirement{mfa.MagicLink, mfa.SMS}}
	if cfg.Defect == SkipsLinkCheck {
		magicLink = mfa.Policy{Require: []mfa.Requirement{mfa.SMS}}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", a.signUp)
	mux.HandleFunc("POST /login", a.signIn)
	mux.HandleFunc("POST /mfa/sms/send", a.sendSMS)
	mux.HandleFunc("POST /mfa/sms/verify", a.verifySMS)
	mux.HandleFunc("POST /magic-link", a.sendMagicLink)
	mux.HandleFunc("GET /authenticate", a.authenticateMagicLink)
	mux.HandleFunc("POST /logout", a.signOut)
	signedIn := a.mw.Require(mfa.Policy{})
	mux.Handle("POST /mfa/totp/register", signedIn(http.HandlerFunc(a.registerTOTP)))
	mux.Handle("POST /mfa/totp/verify", signedIn(http.HandlerFunc(a.verifyTOTP)))
	mux.Handle("GET /account", a.mw.Require(protected)(http.HandlerFunc(page)))
	mux.Handle("POST /transfer", a.mw.Require(sensitive)(http.HandlerFunc(page)))
	mux.Handle("GET /authenticator", a.mw.Require(authenticator)(http.HandlerFunc(page)))
	mux.Handle("GET /inbox", a.mw.Require(magicLink)(http.HandlerFunc(page)))
	return mux, nil
}

// server is the app's state: its configuration and middleware, and the path of the redirect URL
// as the browser reaches it, which scopes the verifier cookie.
type server struct {
	cfg      Config
	mw       *mfa.Middleware
	linkPath string
}

// page answers a request the middleware let through.
func page(w http.ResponseWriter, r *http.Request) {
	s, _ := mfa.SessionFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"page": r.URL.Path, "user_id": s.UserID})
}

// credentials is the body of sign-up and sign-in.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *server) signUp(w http.ResponseWriter, r *http.Request) {
	var in credentials
	if !decode(w, r, &in) || !present(w, in.Email, in.Password) {
		return
	}
	resp, err := a.cfg.Client.Passwords.Create(r.Context(), &passwords.CreateParams{Email: in.Email, Password: in.Password, SessionDurationMinutes: sessionMinutes})
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "sign_up_failed", err)
		return
	}
	a.setSession(w, resp.SessionToken)
	writeJSON(w, http.StatusOK, map[string]string{"user_id": resp.UserID})
}

func (a *server) signIn(w http.ResponseWriter, r *http.Request) {
	var in credentials
	if !decode(w, r, &in) || !present(w, in.Email, in.Password) {
		return
	}
	resp, err := a.cfg.Client.Passwords.Authenticate(r.Context(), &passwords.AuthenticateParams{Email: in.Email, Password: in.Password, SessionDurationMinutes: sessionMinutes})
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "invalid_credentials", err)
		return
	}
	a.setSession(w, resp.SessionToken)
	writeJSON(w, http.StatusOK, map[string]string{"user_id": resp.UserID})
}

// sendSMS sends an SMS code to the phone number with the session, which attaches the number to
// the session's user.
func (a *server) sendSMS(w http.ResponseWriter, r *http.Request) {
	token := cookie(r, mfa.DefaultCookieName)
	if token == "" {
		writeJSON(w, http.StatusUnauthorized, errorBody("unauthenticated"))
		return
	}
	var in struct {
		PhoneNumber string `json:"phone_number"`
	}
	if !decode(w, r, &in) || !present(w, in.PhoneNumber) {
		return
	}
	resp, err := a.cfg.Client.OTPs.Sms.Send(r.Context(), &sms.SendParams{PhoneNumber: in.PhoneNumber, SessionToken: token})
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "send_failed", err)
		return
	}
	http.SetCookie(w, a.cookie(phoneCookie, resp.PhoneID))
	writeJSON(w, http.StatusOK, map[string]string{"phone_id": resp.PhoneID})
}

// verifySMS authenticates the code with the session: Stytch adds the SMS factor to the session
// and, since the session did not have it, rotates its token; the app stores the new one.
func (a *server) verifySMS(w http.ResponseWriter, r *http.Request) {
	token, phoneID := cookie(r, mfa.DefaultCookieName), cookie(r, phoneCookie)
	if token == "" || phoneID == "" {
		writeJSON(w, http.StatusUnauthorized, errorBody("unauthenticated"))
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if !decode(w, r, &in) || !present(w, in.Code) {
		return
	}
	params := &otp.AuthenticateParams{MethodID: phoneID, Code: in.Code, SessionToken: token, SessionDurationMinutes: sessionMinutes}
	if a.cfg.Defect == CodeWithoutSession {
		params.SessionToken = ""
	}
	resp, err := a.cfg.Client.OTPs.Authenticate(r.Context(), params)
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "invalid_code", err)
		return
	}
	if a.cfg.Defect != KeepsOldToken {
		a.setSession(w, resp.SessionToken)
	}
	writeJSON(w, http.StatusOK, map[string]string{"user_id": resp.UserID})
}

// sendMagicLink has Stytch email the user a login link, or a sign-up link (and a new user) to an
// address no user has; both lead to the app's redirect URL. The send starts a PKCE flow (Stytch's
// PKCE guide for magic links): a fresh code_verifier goes into the asking browser's verifier
// cookie, its hash to Stytch as code_challenge; a send Stytch refuses leaves the cookie as it was.
func (a *server) sendMagicLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if !decode(w, r, &in) || !present(w, in.Email) {
		return
	}
	verifier, challenge := newPKCE()
	_, err := a.cfg.Client.MagicLinks.Email.LoginOrCreate(r.Context(), &mlemail.LoginOrCreateParams{
		Email: in.Email, LoginMagicLinkURL: a.cfg.MagicLinkURL, SignupMagicLinkURL: a.cfg.MagicLinkURL,
		LoginExpirationMinutes: linkMinutes, SignupExpirationMinutes: linkMinutes, CodeChallenge: challenge,
	})
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "send_failed", err)
		return
	}
	http.SetCookie(w, a.pkceCookie(verifier, linkMinutes*60))
	writeJSON(w, http.StatusOK, map[string]string{"sent": "true"})
}

// newPKCE returns a one-time PKCE code_verifier, 32 random bytes in unpadded base64url, and its
// code_challenge, the unpadded base64url SHA-256 of the verifier (Stytch takes no plain
// challenges and, for magic links, no code_challenge_method).
func newPKCE() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand ends the program rather than return an error
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authenticateMagicLink is the redirect URL the links lead to, with
// ?stytch_token_type=magic_links&token=...: it authenticates the token with the code_verifier of
// the browser's verifier cookie and with the session the user has, if any, so that the magic-link
// factor joins the factors they already proved, and stores the session Stytch returns. A browser
// without the verifier (not the one that asked for the link) is refused before Stytch is asked:
// its session, if any, stays as it was. The verifier cookie is cleared after each attempt. A
// session Stytch no longer knows is dropped: the link then starts a new one. The retry relies on
// Stytch refusing the session before it uses the link, as the emulator does; that Stytch does so
// is unconfirmed.
func (a *server) authenticateMagicLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("token")
	if token == "" || (q.Has("stytch_token_type") && q.Get("stytch_token_type") != "magic_links") {
		writeJSON(w, http.StatusBadRequest, errorBody("bad_request"))
		return
	}
	verifier := cookie(r, verifierCookie)
	if verifier == "" {
		writeJSON(w, http.StatusUnauthorized, errorBody(notThisBrowser))
		return
	}
	http.SetCookie(w, a.pkceCookie("", -1))
	params := &magiclinks.AuthenticateParams{Token: token, CodeVerifier: verifier, SessionToken: cookie(r, mfa.DefaultCookieName),
		SessionDurationMinutes: sessionMinutes}
	if a.cfg.Defect == LinkWithoutSession {
		params.SessionToken = ""
	}
	resp, err := a.cfg.Client.MagicLinks.Authenticate(r.Context(), params)
	if params.SessionToken != "" && errorType(err) == "session_not_found" {
		params.SessionToken = ""
		resp, err = a.cfg.Client.MagicLinks.Authenticate(r.Context(), params)
	}
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "invalid_magic_link", err)
		return
	}
	if a.cfg.Defect != LinkKeepsOldToken || params.SessionToken == "" {
		a.setSession(w, resp.SessionToken)
	}
	writeJSON(w, http.StatusOK, map[string]string{"user_id": resp.UserID})
}

// notThisBrowser is the callback's answer to a browser without a verifier cookie.
const notThisBrowser = "magic_link_not_asked_for_in_this_browser"

// errorType is the error_type of a Stytch error ("" for other errors).
func errorType(err error) stytcherror.Type {
	var v stytcherror.Error
	var p *stytcherror.Error
	switch {
	case errors.As(err, &v):
		return v.ErrorType
	case errors.As(err, &p) && p != nil:
		return p.ErrorType
	}
	return ""
}

// registerTOTP creates an authenticator app registration for the signed-in user and answers with
// its secret, which the user's authenticator app takes (a QR code in a real app).
func (a *server) registerTOTP(w http.ResponseWriter, r *http.Request) {
	s, _ := mfa.SessionFromContext(r.Context())
	resp, err := a.cfg.Client.TOTPs.Create(r.Context(), &totps.CreateParams{UserID: s.UserID})
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "register_failed", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"totp_id": resp.TOTPID, "secret": resp.Secret})
}

// verifyTOTP authenticates the authenticator app's code with the session, which adds the TOTP
// factor to it and rotates its token; the app stores the new one.
func (a *server) verifyTOTP(w http.ResponseWriter, r *http.Request) {
	s, _ := mfa.SessionFromContext(r.Context())
	var in struct {
		Code string `json:"code"`
	}
	if !decode(w, r, &in) || !present(w, in.Code) {
		return
	}
	resp, err := a.cfg.Client.TOTPs.Authenticate(r.Context(), &totps.AuthenticateParams{UserID: s.UserID, TOTPCode: in.Code,
		SessionToken: cookie(r, mfa.DefaultCookieName), SessionDurationMinutes: sessionMinutes})
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "invalid_code", err)
		return
	}
	a.setSession(w, resp.SessionToken)
	writeJSON(w, http.StatusOK, map[string]string{"user_id": resp.UserID})
}

// signOut revokes the session with Stytch and clears the cookies.
func (a *server) signOut(w http.ResponseWriter, r *http.Request) {
	if token := cookie(r, mfa.DefaultCookieName); token != "" {
		if _, err := a.cfg.Client.Sessions.Revoke(r.Context(), &sessions.RevokeParams{SessionToken: token}); err != nil {
			a.log(r, "sessions.revoke", err) // a session already gone is signed out all the same
		}
	}
	for _, name := range []string{mfa.DefaultCookieName, phoneCookie} {
		c := a.cookie(name, "")
		c.MaxAge = -1
		http.SetCookie(w, c)
	}
	writeJSON(w, http.StatusOK, map[string]string{"signed_out": "true"})
}

// setSession stores the session token in the session cookie.
func (a *server) setSession(w http.ResponseWriter, token string) {
	if token != "" {
		http.SetCookie(w, a.cookie(mfa.DefaultCookieName, token))
	}
}

// pkceCookie returns the verifier cookie with value, for maxAge seconds (negative: cleared).
func (a *server) pkceCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: verifierCookie, Value: value, Path: a.linkPath, MaxAge: maxAge, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// cookie returns a cookie as the middleware sets them: HttpOnly, Secure, SameSite=Lax, path /.
func (a *server) cookie(name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// refuse answers a request Stytch refused.
func (a *server) refuse(w http.ResponseWriter, r *http.Request, status int, reason string, err error) {
	a.log(r, reason, err)
	writeJSON(w, status, errorBody(reason))
}

// log reports a Stytch error.
func (a *server) log(r *http.Request, what string, err error) {
	if a.cfg.Logger != nil {
		a.cfg.Logger.InfoContext(r.Context(), "stytch refused", "what", what, "path", r.URL.Path, "error", err)
	}
}

// cookie returns a request cookie's value ("" when absent).
func cookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// decode reads a JSON body into v, or answers 400.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("bad_request"))
		return false
	}
	return true
}

// present answers 400 unless every value is set.
func present(w http.ResponseWriter, values ...string) bool {
	for _, v := range values {
		if v == "" {
			writeJSON(w, http.StatusBadRequest, errorBody("bad_request"))
			return false
		}
	}
	return true
}

func errorBody(reason string) map[string]string { return map[string]string{"error": reason} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
