package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Email magic links (POST /v1/magic_links/email/{send,login_or_create,invite,revoke_invite},
// POST /v1/magic_links, POST /v1/magic_links/authenticate). Sources: stytch-go v16
// stytch/consumer/magiclinks{,_email}.go and their types.go, Stytch's OpenAPI description, its
// redirect-URL, PKCE and user-states guides, and the Node SDK's live sandbox test. What none of
// them confirms is marked unconfirmed where it is decided.

// Kinds of magic link: the email template the message would use (Stytch's user-states guide:
// active users get login links, new and pending users sign-up links, invited users invite links),
// and the embeddable links of POST /v1/magic_links, which no email carries.
const (
	linkLogin    = "login"
	linkSignup   = "signup"
	linkInvite   = "invite"
	linkEmbedded = "embedded"
)

// Magic-link lifetimes in minutes (stytch-go's field comments: login 1 hour, sign-up 1 week,
// invite 1 hour, embeddable 1 hour; 5 minutes to 7 days).
const (
	defaultLoginLinkMinutes    = 60
	defaultSignupLinkMinutes   = 10080
	defaultInviteLinkMinutes   = 60
	defaultEmbeddedLinkMinutes = 60
	minLinkMinutes             = 5
	maxLinkMinutes             = 10080
)

// maxRedirectURL bounds a redirect URL's length (unconfirmed: Stytch publishes no limit).
const maxRedirectURL = 2048

// DefaultRedirectURL is the redirect URL of a new Test-environment project: Stytch's redirect-URL
// guide says every redirect URL of a Test project defaults to it. It is the default login, sign-up
// and invite URL unless WithRedirectURLs says otherwise.
const DefaultRedirectURL = "http://localhost:3000/authenticate"

// defaultRedirectURLs is the allow-list of a project without WithRedirectURLs: the current
// default and the older guides' bare http://localhost:3000.
func defaultRedirectURLs() []string {
	return []string{DefaultRedirectURL, "http://localhost:3000"}
}

// magicLink is an issued magic-link token, stored under the SHA-256 of the token.
type magicLink struct {
	userID    string
	emailID   string // "" for an embeddable link
	kind      string // linkLogin | linkSignup | linkInvite | linkEmbedded
	expiresAt time.Time
	used      bool
	challenge string // PKCE code_challenge given at send ("" without PKCE)
	ip, agent string // the attributes given at send, for options.ip_match_required etc.
}

// linkKey is the map key of a token: its SHA-256, so that the store holds no usable token.
func linkKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// magicLinkEmailParams are the fields shared by the three email sends.
type magicLinkEmailParams struct {
	Email      string          `json:"email"`
	Attributes *wireAttributes `json:"attributes"`
	Locale     string          `json:"locale"`
}

// magicLinkSendParams is the body of POST /v1/magic_links/email/send (and, without user_id and
// the session, of login_or_create).
type magicLinkSendParams struct {
	magicLinkEmailParams
	LoginMagicLinkURL       string `json:"login_magic_link_url"`
	SignupMagicLinkURL      string `json:"signup_magic_link_url"`
	LoginExpirationMinutes  int32  `json:"login_expiration_minutes"`
	SignupExpirationMinutes int32  `json:"signup_expiration_minutes"`
	LoginTemplateID         string `json:"login_template_id"`
	SignupTemplateID        string `json:"signup_template_id"`
	CodeChallenge           string `json:"code_challenge"`
	UserID                  string `json:"user_id"`
	SessionToken            string `json:"session_token"`
	SessionJWT              string `json:"session_jwt"`
	CreateUserAsPending     bool   `json:"create_user_as_pending"` // login_or_create only
}

// magicLinkInviteParams is the body of POST /v1/magic_links/email/invite.
type magicLinkInviteParams struct {
	magicLinkEmailParams
	InviteMagicLinkURL      string         `json:"invite_magic_link_url"`
	InviteExpirationMinutes int32          `json:"invite_expiration_minutes"`
	InviteTemplateID        string         `json:"invite_template_id"`
	Name                    *wireName      `json:"name"`
	TrustedMetadata         map[string]any `json:"trusted_metadata"`
	UntrustedMetadata       map[string]any `json:"untrusted_metadata"`
}

// linkPlan is a validated send: for each kind of link it may send, the redirect URL, lifetime and
// template, plus the PKCE challenge and the attributes to remember.
type linkPlan struct {
	urls      map[string]string
	ttls      map[string]time.Duration
	templates map[string]string
	challenge string
	locale    string
	ip, agent string
}

// linkSpec is one kind of link as a request describes it.
type linkSpec struct {
	kind, urlField, url string
	minutesField        string
	minutes, def        int32
	template            string
}

// plan validates the email, locale, PKCE challenge and each kind's URL and lifetime without
// touching state. The sandbox email's URLs are not matched against the allow-list: Stytch's own
// live sandbox test sends http://localhost:8000 URLs with it and gets 200 (unconfirmed whether the
// real check is skipped or that project lists them).
func (p *Project) plan(common *magicLinkEmailParams, challenge string, specs ...linkSpec) (*linkPlan, error) {
	if err := checkEmail(common.Email); err != nil {
		return nil, err
	}
	if err := checkLocale(common.Locale, emailLocales); err != nil {
		return nil, err
	}
	if err := checkCodeChallenge(challenge); err != nil {
		return nil, err
	}
	pl := &linkPlan{urls: map[string]string{}, ttls: map[string]time.Duration{}, templates: map[string]string{}, challenge: challenge, locale: common.Locale}
	if common.Attributes != nil {
		pl.ip, pl.agent = common.Attributes.IPAddress, common.Attributes.UserAgent
	}
	sandbox := strings.EqualFold(common.Email, sandboxEmail)
	for _, s := range specs {
		u, err := p.redirectURL(s.urlField, s.url, sandbox)
		if err != nil {
			return nil, err
		}
		ttl, err := linkTTL(s.minutesField, s.minutes, s.def)
		if err != nil {
			return nil, err
		}
		pl.urls[s.kind], pl.ttls[s.kind], pl.templates[s.kind] = u, ttl, s.template
	}
	return pl, nil
}

// linkTTL validates an expiration field (0: the default).
func linkTTL(field string, minutes, def int32) (time.Duration, error) {
	if minutes == 0 {
		minutes = def
	}
	if minutes < minLinkMinutes || minutes > maxLinkMinutes {
		return 0, newError("invalid_expiration", "%s must be between %d and %d.", field, minLinkMinutes, maxLinkMinutes)
	}
	return time.Duration(minutes) * time.Minute, nil
}

// checkCodeChallenge validates a PKCE code_challenge: base64url of a SHA-256 hash (43 characters,
// no padding), as stytch-go's field comment describes it. The exact check is unconfirmed.
func checkCodeChallenge(ch string) error {
	if ch == "" {
		return nil
	}
	if b, err := base64.RawURLEncoding.DecodeString(ch); err != nil || len(b) != sha256.Size {
		return newError("invalid_pkce_code_challenge", "code_challenge must be the base64url (unpadded) SHA-256 of the code_verifier.")
	}
	return nil
}

// redirectURL validates a redirect URL field and returns the URL to use: the given one when it
// matches the project's allow-list, the project's default when it is empty. Stytch refuses a URL
// that is not configured for the project (no_match_for_provided_magic_link_url, a type real
// clients report from the test environment; its 400 status is unconfirmed).
func (p *Project) redirectURL(field, raw string, sandbox bool) (string, error) {
	allowed := p.set.redirectURLs
	if len(allowed) == 0 {
		allowed = defaultRedirectURLs()
	}
	if raw == "" {
		return allowed[0], nil
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > maxRedirectURL || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return "", errInvalidRedirect(field)
	}
	if sandbox {
		return raw, nil
	}
	for _, a := range allowed {
		if sameRedirect(a, u) {
			return raw, nil
		}
	}
	return "", newError("no_match_for_provided_magic_link_url", "%s %q matches none of the project's redirect URLs (see the emulator's redirect-URL option).", field, raw)
}

// errInvalidRedirect is the error of a malformed redirect URL field.
func errInvalidRedirect(field string) *Error {
	const msg = "%s is not a valid absolute URL."
	switch field {
	case "signup_magic_link_url":
		return newError("invalid_signup_magic_link_url", msg, field)
	case "invite_magic_link_url":
		return newError("invalid_invite_magic_link_url", msg, field)
	}
	return newError("invalid_login_magic_link_url", msg, field)
}

// sameRedirect reports whether u matches the allowed URL a: same scheme, host and path; the query
// and fragment do not count, and "www." in front of the host is ignored (Stytch's redirect-URL
// guide: example.com and www.example.com are equivalent). Wildcards are not emulated.
func sameRedirect(a string, u *url.URL) bool {
	au, err := url.Parse(a)
	if err != nil {
		return false
	}
	host := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	path := func(p string) string {
		if p == "" {
			return "/"
		}
		return p
	}
	return strings.EqualFold(au.Scheme, u.Scheme) && host(au.Host) == host(u.Host) && path(au.Path) == path(u.Path) && au.Opaque == u.Opaque
}

// linkURL is the URL the user lands on: the redirect URL with stytch_token_type=magic_links and
// token=… appended, as Stytch's redirect-URL guide shows.
func linkURL(redirect, token string) string {
	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	return redirect + sep + "stytch_token_type=magic_links&token=" + url.QueryEscape(token)
}

// linkRoomLocked makes room for a new token: it drops used and expired ones when the store is full
// and answers too_many_requests when it is still full.
func (p *Project) linkRoomLocked(now time.Time) error {
	if len(p.magicLinks) < maxMagicLinks {
		return nil
	}
	p.sweepLinksLocked(now)
	if len(p.magicLinks) < maxMagicLinks {
		return nil
	}
	return newError("too_many_requests", "Too many magic links are outstanding in this project (%d).", maxMagicLinks)
}

// sweepLinksLocked drops used and expired magic-link tokens.
func (p *Project) sweepLinksLocked(now time.Time) {
	for k, l := range p.magicLinks {
		if l.used || !now.Before(l.expiresAt) {
			delete(p.magicLinks, k)
		}
	}
}

// issueLinkLocked stores a new token of kind for e of u and puts the email in the outbox. The
// sandbox identity gets no token and no email (Stytch's sandbox values page, https://stytch.com/docs/guides/testing/sandbox-values).
func (p *Project) issueLinkLocked(u *user, e *contact, kind string, pl *linkPlan, now time.Time) {
	if u.sandbox {
		return
	}
	token := newResetToken() // 32 random bytes, padded base64url: the format of Stytch's tokens
	exp := now.Add(pl.ttls[kind])
	p.magicLinks[linkKey(token)] = &magicLink{userID: u.id, emailID: e.id, kind: kind, expiresAt: exp, challenge: pl.challenge, ip: pl.ip, agent: pl.agent}
	p.recordMessage(Message{
		Channel: channelEmail, Type: "magic_link", LinkType: kind, To: e.value, Token: token,
		URL: linkURL(pl.urls[kind], token), TemplateID: pl.templates[kind], Locale: pl.locale,
		MethodID: e.id, UserID: u.id, SentAt: now, ExpiresAt: exp,
	})
}

// kindFor is the link an existing user gets from send and login_or_create: sign-up while pending,
// login once active (Stytch's user-states guide).
func kindFor(u *user) string {
	if u.status == "pending" {
		return linkSignup
	}
	return linkLogin
}

type magicLinkSendResponse struct {
	meta
	UserID  string `json:"user_id"`
	EmailID string `json:"email_id"`
}

type magicLinkLoginOrCreateResponse struct {
	magicLinkSendResponse
	UserCreated bool `json:"user_created"`
}

// sendSpecs are the login and sign-up links a send or login_or_create may produce.
func (r *magicLinkSendParams) specs() []linkSpec {
	return []linkSpec{
		{kind: linkLogin, urlField: "login_magic_link_url", url: r.LoginMagicLinkURL, minutesField: "login_expiration_minutes", minutes: r.LoginExpirationMinutes, def: defaultLoginLinkMinutes, template: r.LoginTemplateID},
		{kind: linkSignup, urlField: "signup_magic_link_url", url: r.SignupMagicLinkURL, minutesField: "signup_expiration_minutes", minutes: r.SignupExpirationMinutes, def: defaultSignupLinkMinutes, template: r.SignupTemplateID},
	}
}

// magicLinkSend serves POST /v1/magic_links/email/send: a link to the user who has the email. With
// user_id or a session, an email new to that user is attached unverified and removed unless
// authenticated within 5 minutes, as for email OTPs (stytch-go's Send comment); a user who already
// has an unverified factor cannot add another (too_many_unverified_factors).
func magicLinkSend(c *call) (int, metaSetter, error) {
	var req magicLinkSendParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	p := c.p
	pl, err := p.plan(&req.magicLinkEmailParams, req.CodeChallenge, req.specs()...)
	if err != nil {
		return 0, nil, err
	}
	if req.SessionToken != "" && req.SessionJWT != "" {
		return 0, nil, newError("too_many_session_arguments", "Pass either session_token or session_jwt, not both.")
	}
	cred := c.credential(req.SessionToken, req.SessionJWT)
	resp := &magicLinkSendResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		if err := p.linkRoomLocked(now); err != nil {
			return err
		}
		target, err := p.sendTargetLocked(cred, req.UserID, now)
		if err != nil {
			return err
		}
		owner := p.ownerLocked(mediumEmail, req.Email, now)
		switch {
		case target == nil && owner == nil:
			return newError("email_not_found", "No user has this email; use login_or_create or pass user_id.")
		case target == nil:
			target = owner
		case owner != nil && owner != target:
			return newError("duplicate_email", "Another user has this email.")
		case owner == nil:
			if target.unverifiedCount() > 0 {
				return newError("too_many_unverified_factors", "The user already has an unverified factor; verify it before adding another.")
			}
			p.addContactLocked(target, mediumEmail, req.Email, false, now)
		}
		ct := target.contact(mediumEmail, req.Email)
		ct.refreshPending(now)
		p.issueLinkLocked(target, ct, kindFor(target), pl, now)
		resp.UserID, resp.EmailID = target.id, ct.id
		return nil
	}))
}

// magicLinkLoginOrCreate serves POST /v1/magic_links/email/login_or_create: a login link to an
// active user, a sign-up link to a pending one, or a new user (active, or pending with
// create_user_as_pending) with the email unverified and a sign-up link (stytch-go's LoginOrCreate
// comment).
func magicLinkLoginOrCreate(c *call) (int, metaSetter, error) {
	var req magicLinkSendParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID != "" || req.SessionToken != "" || req.SessionJWT != "" {
		return 0, nil, newError("bad_request", "login_or_create does not take user_id, session_token or session_jwt; use send.")
	}
	p := c.p
	pl, err := p.plan(&req.magicLinkEmailParams, req.CodeChallenge, req.specs()...)
	if err != nil {
		return 0, nil, err
	}
	resp := &magicLinkLoginOrCreateResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		if err := p.linkRoomLocked(now); err != nil {
			return err
		}
		u := p.ownerLocked(mediumEmail, req.Email, now)
		kind := linkSignup
		if u == nil {
			var err error
			if u, err = p.newUserLocked(now); err != nil {
				return err
			}
			if req.CreateUserAsPending {
				u.status = "pending"
			}
			p.addContactLocked(u, mediumEmail, req.Email, false, time.Time{})
			resp.UserCreated = true
		} else {
			kind = kindFor(u)
		}
		ct := u.contact(mediumEmail, req.Email)
		p.issueLinkLocked(u, ct, kind, pl, now)
		resp.UserID, resp.EmailID = u.id, ct.id
		return nil
	}))
}

// magicLinkInvite serves POST /v1/magic_links/email/invite: creates a pending user with the email
// (and the name and metadata given) and sends an invite link; a pending user is invited again. An
// active user cannot be invited (duplicate_email: the real error is unconfirmed); the sandbox email
// answers 200 and sends nothing (Stytch's Node SDK live sandbox test).
func magicLinkInvite(c *call) (int, metaSetter, error) {
	var req magicLinkInviteParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	p := c.p
	pl, err := p.plan(&req.magicLinkEmailParams, "", linkSpec{
		kind: linkInvite, urlField: "invite_magic_link_url", url: req.InviteMagicLinkURL, minutesField: "invite_expiration_minutes",
		minutes: req.InviteExpirationMinutes, def: defaultInviteLinkMinutes, template: req.InviteTemplateID,
	})
	if err != nil {
		return 0, nil, err
	}
	if err := checkNewMetadata(req.TrustedMetadata, req.UntrustedMetadata); err != nil {
		return 0, nil, err
	}
	resp := &magicLinkSendResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		if err := p.linkRoomLocked(now); err != nil {
			return err
		}
		u := p.ownerLocked(mediumEmail, req.Email, now)
		switch {
		case u == nil:
			var err error
			if u, err = p.newUserLocked(now); err != nil {
				return err
			}
			u.status = "pending"
			if req.Name != nil {
				u.name = *req.Name
			}
			u.trusted, u.untrusted = compactValues(req.TrustedMetadata), compactValues(req.UntrustedMetadata)
			p.addContactLocked(u, mediumEmail, req.Email, false, time.Time{})
		case u.sandbox:
		case u.status != "pending":
			return newError("duplicate_email", "The user with this email is already active; send a login link instead.")
		}
		ct := u.contact(mediumEmail, req.Email)
		p.issueLinkLocked(u, ct, linkInvite, pl, now)
		resp.UserID, resp.EmailID = u.id, ct.id
		return nil
	}))
}

type magicLinkRevokeInviteParams struct {
	Email string `json:"email"`
}

// magicLinkRevokeInvite serves POST /v1/magic_links/email/revoke_invite: the pending invite of the
// email is revoked: its invite links stop working and the invited user, who never authenticated,
// is deleted, so the email is free again (what happens to the user is unconfirmed). An email
// without a pending invite is refused (email_not_found when no user has it, bad_request otherwise;
// unconfirmed). The sandbox email answers 200 (Stytch's Node SDK live sandbox test).
func magicLinkRevokeInvite(c *call) (int, metaSetter, error) {
	var req magicLinkRevokeInviteParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	p := c.p
	return reply(&metaOnly{}, p.update(func(now time.Time) error {
		u := p.ownerLocked(mediumEmail, req.Email, now)
		switch {
		case u == nil:
			return newError("email_not_found", "No user has this email, so there is no invite to revoke.")
		case u.sandbox:
			return nil
		case u.status != "pending" || !p.invitedLocked(u):
			return newError("bad_request", "The user with this email has no pending invite.")
		}
		p.deleteUserLocked(u)
		return nil
	}))
}

// invitedLocked reports whether u has an unused invite link.
func (p *Project) invitedLocked(u *user) bool {
	for _, l := range p.magicLinks {
		if l.userID == u.id && l.kind == linkInvite && !l.used {
			return true
		}
	}
	return false
}

type magicLinkCreateParams struct {
	UserID            string          `json:"user_id"`
	ExpirationMinutes int32           `json:"expiration_minutes"`
	Attributes        *wireAttributes `json:"attributes"`
}

type magicLinkCreateResponse struct {
	meta
	UserID string `json:"user_id"`
	Token  string `json:"token"`
}

// magicLinkCreate serves POST /v1/magic_links: an embeddable token for a user, which the app
// delivers itself. Authenticating it verifies no email or phone (stytch-go's Create comment).
func magicLinkCreate(c *call) (int, metaSetter, error) {
	var req magicLinkCreateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	ttl, err := linkTTL("expiration_minutes", req.ExpirationMinutes, defaultEmbeddedLinkMinutes)
	if err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &magicLinkCreateResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		if err := p.linkRoomLocked(now); err != nil {
			return err
		}
		u := p.userLocked(req.UserID, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", req.UserID)
		}
		l := &magicLink{userID: u.id, kind: linkEmbedded, expiresAt: now.Add(ttl)}
		if req.Attributes != nil {
			l.ip, l.agent = req.Attributes.IPAddress, req.Attributes.UserAgent
		}
		resp.UserID, resp.Token = u.id, newResetToken()
		p.magicLinks[linkKey(resp.Token)] = l
		return nil
	}))
}

type magicLinkAuthenticateParams struct {
	sessionParams
	Token        string          `json:"token"`
	Attributes   *wireAttributes `json:"attributes"`
	CodeVerifier string          `json:"code_verifier"`
	TelemetryID  string          `json:"telemetry_id"`
	Options      *struct {
		IPMatchRequired        bool `json:"ip_match_required"`
		UserAgentMatchRequired bool `json:"user_agent_match_required"`
	} `json:"options"`
}

type magicLinkAuthenticateResponse struct {
	authResponse
	MethodID      string `json:"method_id"`
	ResetSessions bool   `json:"reset_sessions"`
}

// maxLinkToken bounds the token field; anything longer is no token Stytch issues.
const maxLinkToken = 128

// authenticateMagicLink serves POST /v1/magic_links/authenticate on the path of every factor
// endpoint. An unknown token is 404 magic_link_not_found; a used or expired one 401
// unable_to_auth_magic_link (the Node SDK's live sandbox test gives both statuses and the 401
// message "already used or expired"). Success consumes the token, makes a pending user active,
// verifies the email (not for embeddable links) and adds the magic_link factor (email with
// email_factor; embedded with embeddable_magic_link_factor) to a new session or the one given.
func authenticateMagicLink(c *call) (int, metaSetter, error) {
	var req magicLinkAuthenticateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Token == "" || len(req.Token) > maxLinkToken {
		return 0, nil, newError("invalid_token", "token is required and must be a magic-link token.")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &magicLinkAuthenticateResponse{}
	var link *magicLink
	return reply(resp, c.authenticate(&resp.authResponse, factorAuth{
		session: &req.sessionParams,
		find: func(tx *authTx) (u *user, err error) {
			u, link, err = p.magicLinkLocked(&req, tx.now)
			return u, err
		},
		verify: func(tx *authTx, u *user) (*factor, error) {
			f := p.useMagicLinkLocked(u, link, tx.existing)
			resp.MethodID = f.emailID
			return f, nil
		},
	}))
}

// magicLinkLocked finds the token's link and user and checks everything that could refuse it
// (expiry, use, PKCE, attributes) without changing state. The sandbox token gives a nil link; it
// takes any code_verifier or none, since no challenge can be tied to it (unconfirmed: Stytch's
// sandbox values page says nothing of PKCE).
func (p *Project) magicLinkLocked(req *magicLinkAuthenticateParams, now time.Time) (*user, *magicLink, error) {
	switch req.Token {
	case SandboxMagicLinkToken:
		return p.users[SandboxUserID], nil, nil
	case SandboxMagicLinkUnauthorizedToken:
		return nil, nil, errLinkUnusable()
	case SandboxMagicLinkNotFoundToken:
		return nil, nil, errLinkNotFound()
	}
	l := p.magicLinks[linkKey(req.Token)]
	if l == nil {
		return nil, nil, errLinkNotFound()
	}
	u := p.userLocked(l.userID, now)
	if u == nil {
		return nil, nil, errLinkNotFound()
	}
	if l.used || !now.Before(l.expiresAt) || (l.emailID != "" && u.contactByID(l.emailID) == nil) {
		// An email attached unverified by a send and removed 5 minutes later takes its links with it.
		return nil, nil, errLinkUnusable()
	}
	if aerr := checkPKCE(l.challenge, req.CodeVerifier); aerr != nil {
		return nil, nil, aerr
	}
	if o := req.Options; o != nil {
		var ip, agent string
		if req.Attributes != nil {
			ip, agent = req.Attributes.IPAddress, req.Attributes.UserAgent
		}
		if o.IPMatchRequired && (l.ip == "" || ip != l.ip) || o.UserAgentMatchRequired && (l.agent == "" || agent != l.agent) {
			// attribute_mismatch is a 401 on Stytch's published error pages; refusing when the
			// send recorded no attribute is unconfirmed.
			return nil, nil, newError("attribute_mismatch", "The request's attributes do not match those the magic link was sent with.")
		}
	}
	return u, l, nil
}

// checkPKCE compares a code_verifier with the challenge given at send: Stytch's PKCE guide for
// magic links. The error types are Stytch's; their statuses (400) are unconfirmed.
func checkPKCE(challenge, verifier string) error {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return newError("pkce_did_not_expect_code_verifier", "code_verifier was given, but the magic link was sent without a code_challenge.")
	case verifier == "":
		return newError("pkce_expected_code_verifier", "The magic link was sent with a code_challenge: code_verifier is required.")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) != 1 {
		return newError("pkce_mismatch", "The submitted code_verifier does not match the code_challenge sent at the start of the flow.")
	}
	return nil
}

// useMagicLinkLocked consumes the link and applies its effects on the user; it returns the factor
// to record.
func (p *Project) useMagicLinkLocked(u *user, l *magicLink, existing *session) *factor {
	if l == nil { // the sandbox token: reusable, changes nothing
		return &factor{typ: "magic_link", delivery: channelEmail, emailID: SandboxEmailID, emailAddress: sandboxEmail}
	}
	l.used = true
	u.succeedLocked()
	if u.status == "pending" {
		u.status = "active"
	}
	if l.kind == linkEmbedded {
		// The embedded_id is unconfirmed: the emulator names the user the link was made for.
		return &factor{typ: "magic_link", delivery: "embedded", embeddedID: u.id}
	}
	ct := u.contactByID(l.emailID) // present: magicLinkLocked checked it
	verifyEmailLocked(u, ct, existing)
	return &factor{typ: "magic_link", delivery: channelEmail, emailID: ct.id, emailAddress: ct.value}
}

// verifyEmailLocked marks the email ct of u verified by a passwordless login (an email OTP or a
// magic link). Stytch's account-takeover rule (stytch-go's passwords.Authenticate comment): a
// password set while the email was unverified may belong to someone else, so the first
// passwordless email login that verifies the address outside a session of the user requires a
// password reset (passwords.authenticate answers reset_password). Verifying it with the user's
// session, as Stytch's email-verification guide does, proves the same person holds both; so does
// an email of the user verified before.
func verifyEmailLocked(u *user, ct *contact, existing *session) {
	otherVerified := slices.ContainsFunc(u.contacts, func(x *contact) bool { return x.medium == mediumEmail && x.verified && x != ct })
	if !ct.verified && !otherVerified && u.password != nil && !u.sandbox && (existing == nil || existing.userID != u.id) {
		u.password.requiresReset = true
	}
	ct.verify()
}

func errLinkNotFound() *Error {
	return newError("magic_link_not_found", "The magic link could not be found; send the user another one.")
}

func errLinkUnusable() *Error {
	return newError("unable_to_auth_magic_link", "The magic link was already used or has expired; send the user another one.")
}
