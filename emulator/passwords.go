package emulator

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// resetSessionWindow is how recent a password, email-OTP or magic-link factor must be for
// /v1/passwords/session/reset.
const resetSessionWindow = 5 * time.Minute

// passwordFactor is the factor every password endpoint adds: password/knowledge, no sub-object.
func passwordFactor() *factor { return &factor{typ: "password", delivery: "knowledge"} }

// checkStrength answers breached_password when breach detection is on and pw is in the
// known-breached list (password.Breached; Stytch checks breaches on create and on every reset,
// PW-POLICY), then weak_password when the project's policy rejects pw.
func (p *Project) checkStrength(pw, email string) error {
	if !p.set.breachOff && password.Breached(pw) {
		return newError("breached_password", "The password appears in a list of breached passwords; choose another.")
	}
	res := p.set.strength.Check(pw, email)
	if res.Valid {
		return nil
	}
	err := newError("weak_password", "The password does not meet the project's strength policy (%s).", res.Policy)
	if res.Warning != "" {
		err.Message += " " + res.Warning
	}
	return err
}

// hashPassword hashes pw for storage; it runs before the project lock is taken.
func (p *Project) hashPassword(pw string) (*storedPassword, error) {
	h, err := p.set.hasher.Hash(pw)
	if err != nil {
		return nil, err
	}
	return &storedPassword{id: newID(prefixPassword), hash: h}, nil
}

// passwordCheck is the outcome of checking a password against a snapshot of a stored password.
type passwordCheck struct {
	ok      bool
	upgrade []byte // the emulator's own hash of a migrated password that matched
}

// checkPassword checks pw against a stored password without any lock: bcrypt and migrated hashes
// are slow on purpose. The sandbox user accepts any password. A costly migrated hash waits for a
// slot of the emulator's hash gate; the check fails, changing nothing, when the gate is full or
// ctx (the request's) ends first.
func (p *Project) checkPassword(ctx context.Context, sandbox bool, sp *storedPassword, pw string) (passwordCheck, error) {
	switch {
	case sandbox:
		return passwordCheck{ok: true}, nil
	case sp == nil:
		return passwordCheck{}, nil
	case sp.migrated != nil:
		ok, err := p.set.hashGate.Verify(ctx, *sp.migrated, pw)
		switch {
		case errors.Is(err, password.ErrBusy):
			return passwordCheck{}, newError("too_many_requests", "Too many password checks are in progress; retry.")
		case err != nil:
			// The client went away (logged as 499, nginx's "client closed request").
			return passwordCheck{}, &Error{Status: 499, Type: "client_closed_request", Message: "The request ended before its password check did."}
		case !ok:
			return passwordCheck{}, nil
		}
		h, herr := p.set.hasher.Hash(pw)
		if herr != nil {
			return passwordCheck{ok: true}, nil
		}
		return passwordCheck{ok: true, upgrade: h}, nil
	default:
		return passwordCheck{ok: p.set.hasher.Verify(sp.hash, pw)}, nil
	}
}

// passwordID keeps a user's password_id across resets.
func (u *user) passwordID() string {
	if u.password != nil {
		return u.password.id
	}
	return newID(prefixPassword)
}

type createPasswordParams struct {
	sessionParams
	Email             string         `json:"email"`
	Password          string         `json:"password"`
	TrustedMetadata   map[string]any `json:"trusted_metadata"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata"`
	Name              *wireName      `json:"name"`
}

type createPasswordResponse struct {
	authResponse
	EmailID string `json:"email_id"`
}

// createPassword serves POST /v1/passwords: a new user with an (unverified) email and a password.
func createPassword(c *call) (int, metaSetter, error) {
	var req createPasswordParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	if req.Password == "" {
		return 0, nil, required("password")
	}
	if req.SessionToken != "" || req.SessionJWT != "" {
		return 0, nil, newError("bad_request", "/v1/passwords does not take session_token or session_jwt.")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	if err := checkNewMetadata(req.TrustedMetadata, req.UntrustedMetadata); err != nil {
		return 0, nil, err
	}
	p := c.p
	sandbox := strings.EqualFold(req.Email, sandboxEmail)
	if !sandbox {
		if err := p.checkStrength(req.Password, req.Email); err != nil {
			return 0, nil, err
		}
	}
	stored, err := p.hashPassword(req.Password)
	if err != nil {
		return 0, nil, err
	}
	resp := &createPasswordResponse{}
	return reply(resp, c.authenticate(&resp.authResponse, factorAuth{
		session: &req.sessionParams,
		find: func(tx *authTx) (*user, error) {
			u := p.ownerLocked(mediumEmail, req.Email, tx.now)
			switch {
			case sandbox && u != nil:
				// The sandbox email answers 200 whatever the password (Stytch's sandbox values page, https://stytch.com/docs/guides/testing/sandbox-values).
				return u, nil
			case u != nil:
				return nil, newError("duplicate_email", "A user with this email already exists; use migrate or a reset flow to add a password.")
			}
			u, err := p.newUserLocked(tx.now)
			if err != nil {
				return nil, err
			}
			if req.Name != nil {
				u.name = *req.Name
			}
			u.trusted, u.untrusted = compactValues(req.TrustedMetadata), compactValues(req.UntrustedMetadata)
			p.addContactLocked(u, mediumEmail, req.Email, false, time.Time{})
			u.password = stored
			return u, nil
		},
		verify: func(tx *authTx, u *user) (*factor, error) {
			resp.EmailID = u.contact(mediumEmail, req.Email).id
			return passwordFactor(), nil
		},
	}))
}

type authenticatePasswordParams struct {
	sessionParams
	Email    string `json:"email"`
	Password string `json:"password"`
}

// authenticatePassword serves POST /v1/passwords/authenticate.
func authenticatePassword(c *call) (int, metaSetter, error) {
	var req authenticatePasswordParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	if req.Password == "" {
		return 0, nil, required("password")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &authResponse{}
	return reply(resp, c.authenticate(resp, factorAuth{
		session:  &req.sessionParams,
		password: req.Password,
		find:     p.passwordOwner(req.Email),
		verify: func(tx *authTx, u *user) (*factor, error) {
			if err := checkLock(u, tx.now); err != nil {
				return nil, err
			}
			if u.password == nil && !u.sandbox {
				return nil, newError("no_user_password", "This user has no password; use a reset flow to set one.")
			}
			if !tx.passwordOK {
				p.failLocked(u, tx.now)
				return nil, newError("unauthorized_credentials", "Unauthorized credentials: the email or password is wrong.")
			}
			if u.password != nil && u.password.requiresReset {
				return nil, newError("reset_password", "This password must be reset before it can be used.")
			}
			if !u.sandbox && p.breachedOnAuthenticate(req.Password) {
				// The right password, but a breached one: Stytch requires a reset (stytch-go
				// passwords.go, Authenticate). The mark is the one change this refusal makes.
				pw := *u.password
				pw.requiresReset = true
				u.password = &pw
				return nil, newError("reset_password", "This password appears in a list of breached passwords and must be reset.")
			}
			u.succeedLocked()
			return passwordFactor(), nil
		},
	}))
}

// breachedOnAuthenticate reports whether passwords.authenticate must refuse pw as breached
// (WithBreachCheckOnAuthenticate).
func (p *Project) breachedOnAuthenticate(pw string) bool {
	return !p.set.breachOff && p.set.breachOnAuthenticate && password.Breached(pw)
}

// passwordOwner finds the user of an email for the password endpoints.
func (p *Project) passwordOwner(email string) func(tx *authTx) (*user, error) {
	return func(tx *authTx) (*user, error) {
		if u := p.ownerLocked(mediumEmail, email, tx.now); u != nil {
			return u, nil
		}
		return nil, newError("email_not_found", "No user has this email.")
	}
}

type strengthCheckParams struct {
	Password string `json:"password"`
	Email    string `json:"email"`
}

type strengthCheckResponse struct {
	meta
	ValidPassword           bool             `json:"valid_password"`
	Score                   int              `json:"score"`
	BreachedPassword        bool             `json:"breached_password"`
	StrengthPolicy          string           `json:"strength_policy"`
	BreachDetectionOnCreate bool             `json:"breach_detection_on_create"`
	Feedback                strengthFeedback `json:"feedback"`
}

type strengthFeedback struct {
	Warning          string            `json:"warning"`
	Suggestions      []string          `json:"suggestions"`
	LUDSRequirements *ludsRequirements `json:"luds_requirements"`
}

type ludsRequirements struct {
	HasLowerCase      bool `json:"has_lower_case"`
	HasUpperCase      bool `json:"has_upper_case"`
	HasDigit          bool `json:"has_digit"`
	HasSymbol         bool `json:"has_symbol"`
	MissingComplexity int  `json:"missing_complexity"`
	MissingCharacters int  `json:"missing_characters"`
}

// strengthCheck serves POST /v1/passwords/strength_check with the project's policy (zxcvbn by
// default, LUDS with WithLUDSPolicy). Breach detection is on by default, as in a new Stytch project
// (breach_detection_on_create true, PW-POLICY): a password of the known-breached list is
// breached_password true and not valid.
func strengthCheck(c *call) (int, metaSetter, error) {
	var req strengthCheckParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Password == "" {
		return 0, nil, required("password")
	}
	if req.Email != "" {
		if err := checkEmail(req.Email); err != nil {
			return 0, nil, err
		}
	}
	res := c.p.set.strength.Check(req.Password, req.Email)
	resp := &strengthCheckResponse{
		ValidPassword:           res.Valid,
		Score:                   res.Score,
		StrengthPolicy:          string(res.Policy),
		BreachDetectionOnCreate: !c.p.set.breachOff,
		Feedback:                strengthFeedback{Warning: res.Warning, Suggestions: res.Suggestions},
	}
	if !c.p.set.breachOff && password.Breached(req.Password) {
		resp.BreachedPassword, resp.ValidPassword = true, false
	}
	if resp.Feedback.Suggestions == nil {
		resp.Feedback.Suggestions = []string{}
	}
	if l := res.LUDS; l != nil {
		resp.Feedback.LUDSRequirements = &ludsRequirements{
			HasLowerCase: l.HasLowerCase, HasUpperCase: l.HasUpperCase, HasDigit: l.HasDigit, HasSymbol: l.HasSymbol,
			MissingComplexity: l.MissingComplexity, MissingCharacters: l.MissingCharacters,
		}
	}
	return http.StatusOK, resp, nil
}

type saltConfig struct {
	PrependSalt string `json:"prepend_salt"`
	AppendSalt  string `json:"append_salt"`
}

func (s *saltConfig) config() *password.SaltConfig {
	if s == nil {
		return nil
	}
	return &password.SaltConfig{PrependSalt: s.PrependSalt, AppendSalt: s.AppendSalt}
}

type migrateParams struct {
	Email        string      `json:"email"`
	Hash         string      `json:"hash"`
	HashType     string      `json:"hash_type"`
	MD5Config    *saltConfig `json:"md_5_config"`
	SHA1Config   *saltConfig `json:"sha_1_config"`
	SHA512Config *saltConfig `json:"sha_512_config"`
	Argon2Config *struct {
		Salt            string `json:"salt"`
		IterationAmount int32  `json:"iteration_amount"`
		Memory          int32  `json:"memory"`
		Threads         int32  `json:"threads"`
		KeyLength       int32  `json:"key_length"`
	} `json:"argon_2_config"`
	ScryptConfig *struct {
		Salt       string `json:"salt"`
		NParameter int32  `json:"n_parameter"`
		RParameter int32  `json:"r_parameter"`
		PParameter int32  `json:"p_parameter"`
		KeyLength  int32  `json:"key_length"`
	} `json:"scrypt_config"`
	PBKDF2Config *struct {
		Salt            string `json:"salt"`
		IterationAmount int32  `json:"iteration_amount"`
		KeyLength       int32  `json:"key_length"`
		Algorithm       string `json:"algorithm"`
	} `json:"pbkdf_2_config"`
	TrustedMetadata        map[string]any `json:"trusted_metadata"`
	UntrustedMetadata      map[string]any `json:"untrusted_metadata"`
	SetEmailVerified       bool           `json:"set_email_verified"`
	Name                   *wireName      `json:"name"`
	PhoneNumber            string         `json:"phone_number"`
	SetPhoneNumberVerified bool           `json:"set_phone_number_verified"`
	ExternalID             string         `json:"external_id"`
	Roles                  []string       `json:"roles"`
}

func (m *migrateParams) config() password.MigrateConfig {
	cfg := password.MigrateConfig{MD5: m.MD5Config.config(), SHA1: m.SHA1Config.config(), SHA512: m.SHA512Config.config()}
	if a := m.Argon2Config; a != nil {
		cfg.Argon2 = &password.Argon2Config{Salt: a.Salt, IterationAmount: a.IterationAmount, Memory: a.Memory, Threads: a.Threads, KeyLength: a.KeyLength}
	}
	if s := m.ScryptConfig; s != nil {
		cfg.Scrypt = &password.ScryptConfig{Salt: s.Salt, NParameter: s.NParameter, RParameter: s.RParameter, PParameter: s.PParameter, KeyLength: s.KeyLength}
	}
	if k := m.PBKDF2Config; k != nil {
		cfg.PBKDF2 = &password.PBKDF2Config{Salt: k.Salt, IterationAmount: k.IterationAmount, KeyLength: k.KeyLength, Algorithm: k.Algorithm}
	}
	return cfg
}

type migrateResponse struct {
	meta
	UserID      string   `json:"user_id"`
	EmailID     string   `json:"email_id"`
	UserCreated bool     `json:"user_created"`
	User        wireUser `json:"user"`
}

// migratePassword serves POST /v1/passwords/migrate: imports a password hash (bcrypt, scrypt,
// argon2i/argon2id, md5/sha1/sha512, pbkdf2) for a new or existing user. The hash is checked on the
// first authenticate and then replaced by the emulator's own.
func migratePassword(c *call) (int, metaSetter, error) {
	var req migrateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	if req.Hash == "" {
		return 0, nil, newError("invalid_hash", "hash is required.")
	}
	if req.PhoneNumber != "" {
		if err := checkPhone(req.PhoneNumber); err != nil {
			return 0, nil, err
		}
	}
	if req.ExternalID != "" && !externalIDPattern.MatchString(req.ExternalID) {
		return 0, nil, newError("invalid_external_id", "external_id must be 1-128 characters of A-Z a-z 0-9 . _ - |.")
	}
	mig, err := password.NewMigrated(req.HashType, req.Hash, req.config(), c.p.set.limits.hashLimits())
	var herr *password.HashError
	switch {
	case errors.Is(err, password.ErrInvalidHashType):
		return 0, nil, newError("invalid_hash_type", "hash_type %q is not supported.", req.HashType)
	case errors.As(err, &herr):
		// The error types are the ones Stytch documents for this endpoint; which condition raises
		// which is inferred from their names (unconfirmed).
		return 0, nil, newError(herr.ErrorType, "The %s hash is invalid: %s.", req.HashType, herr.Reason)
	case err != nil:
		return 0, nil, err
	}
	p := c.p
	resp := &migrateResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.ownerLocked(mediumEmail, req.Email, now)
		if u != nil && u.sandbox {
			return newError("bad_request", "The sandbox user's password cannot be migrated.")
		}
		if req.PhoneNumber != "" {
			if owner := p.ownerLocked(mediumPhone, req.PhoneNumber, now); owner != nil && owner != u {
				return newError("duplicate_phone_number", "Another user has this phone number.")
			}
		}
		if req.ExternalID != "" {
			if owner := p.externalIDs[req.ExternalID]; owner != "" && (u == nil || owner != u.id) {
				return newError("duplicate_user_external_id", "A user with this external_id already exists.")
			}
		}
		trusted, untrusted, err := mergeMetadata(u, req.TrustedMetadata, req.UntrustedMetadata)
		if err != nil {
			return err
		}
		if u == nil {
			if u, err = p.newUserLocked(now); err != nil {
				return err
			}
			p.addContactLocked(u, mediumEmail, req.Email, false, time.Time{})
			resp.UserCreated = true
		}
		pwID := newID(prefixPassword)
		if u.password != nil {
			pwID = u.password.id
		}
		u.password = &storedPassword{id: pwID, migrated: &mig, source: &migratedSource{HashType: req.HashType, Hash: req.Hash, Config: req.config()}}
		email := u.contact(mediumEmail, req.Email)
		if req.SetEmailVerified {
			email.verified = true
		}
		if req.PhoneNumber != "" {
			ph := u.contact(mediumPhone, req.PhoneNumber)
			if ph == nil {
				ph = p.addContactLocked(u, mediumPhone, req.PhoneNumber, false, time.Time{})
			}
			if req.SetPhoneNumberVerified {
				ph.verified = true
			}
		}
		if req.Name != nil {
			u.name = *req.Name
		}
		u.trusted, u.untrusted = trusted, untrusted
		if req.Roles != nil {
			u.roles = req.Roles
		}
		if req.ExternalID != "" {
			delete(p.externalIDs, u.externalID)
			u.externalID = req.ExternalID
			p.externalIDs[u.externalID] = u.id
		}
		resp.UserID, resp.EmailID, resp.User = u.id, email.id, u.wire(now)
		return nil
	}))
}

type resetStartParams struct {
	Email                          string `json:"email"`
	ResetPasswordRedirectURL       string `json:"reset_password_redirect_url"`
	ResetPasswordExpirationMinutes int32  `json:"reset_password_expiration_minutes"`
	LoginRedirectURL               string `json:"login_redirect_url"`
	Locale                         string `json:"locale"`
	CodeChallenge                  string `json:"code_challenge"`
	ResetPasswordTemplateID        string `json:"reset_password_template_id"`
}

type resetStartResponse struct {
	meta
	UserID  string `json:"user_id"`
	EmailID string `json:"email_id"`
}

// maxCodeChallenge bounds a PKCE code_challenge (a base64url SHA-256 is 43 characters).
const maxCodeChallenge = 128

// resetByEmailStart serves POST /v1/passwords/email/reset/start: the reset token goes to the
// outbox (GET /emulator/v1/messages, type password_reset). The redirect URLs must be absolute
// http(s) URLs and the locale one of the SDKs' (stytch-go passwords/email/types.go); a
// code_challenge makes the code_verifier required at reset (PKCE, stytch-go passwords_email.go).
func resetByEmailStart(c *call) (int, metaSetter, error) {
	var req resetStartParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	if req.ResetPasswordRedirectURL != "" && !validRedirectURL(req.ResetPasswordRedirectURL) {
		return 0, nil, newError("invalid_password_reset_redirect_url", "reset_password_redirect_url must be an absolute http or https URL.")
	}
	if req.LoginRedirectURL != "" && !validRedirectURL(req.LoginRedirectURL) {
		return 0, nil, newError("invalid_login_redirect_url", "login_redirect_url must be an absolute http or https URL.")
	}
	if err := checkLocale(req.Locale, emailLocales); err != nil {
		return 0, nil, err
	}
	if len(req.CodeChallenge) > maxCodeChallenge {
		return 0, nil, newError("invalid_pkce_code_challenge", "code_challenge is too long.")
	}
	minutes := req.ResetPasswordExpirationMinutes
	if minutes == 0 {
		minutes = 30
	}
	if minutes < 5 || minutes > 10080 {
		return 0, nil, newError("invalid_expiration", "reset_password_expiration_minutes must be between 5 and 10080.")
	}
	p := c.p
	resp := &resetStartResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.ownerLocked(mediumEmail, req.Email, now)
		if u == nil {
			return newError("email_not_found", "No user has this email.")
		}
		if len(p.resets) >= maxResetTokens {
			p.sweepLocked(now) // used and expired tokens go; if that is not enough, refuse
			if len(p.resets) >= maxResetTokens {
				return newError("too_many_requests", "The project holds the emulator's maximum of %d live password-reset tokens; retry later.", maxResetTokens)
			}
		}
		e := u.contact(mediumEmail, req.Email)
		tok := newResetToken()
		exp := now.Add(time.Duration(minutes) * time.Minute)
		p.resets[tok] = &resetToken{userID: u.id, emailID: e.id, expiresAt: exp, codeChallenge: req.CodeChallenge}
		p.recordMessage(Message{Channel: "email", Type: "password_reset", To: e.value, Token: tok, URL: resetLink(req.ResetPasswordRedirectURL, tok), MethodID: e.id, UserID: u.id, SentAt: now, ExpiresAt: exp})
		resp.UserID, resp.EmailID = u.id, e.id
		return nil
	}))
}

// defaultRedirectURL is the redirect URL of a test project that has not set one: "By default, all
// redirect URLs are set to http://localhost:3000/authenticate for the Test environment"
// (https://stytch.com/docs/guides/dashboard/redirect-urls).
const defaultRedirectURL = "http://localhost:3000/authenticate"

// resetLink is the link of a password-reset email: the redirect URL with the stytch_token_type and
// token query parameters Stytch adds (same page). The public_token Stytch also adds is left out:
// the emulator has none. A redirect URL that does not parse gives no link.
func resetLink(redirect, tok string) string {
	if redirect == "" {
		redirect = defaultRedirectURL
	}
	u, err := url.Parse(redirect)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("stytch_token_type", "reset_password")
	q.Set("token", tok)
	u.RawQuery = q.Encode()
	return u.String()
}

type resetByEmailParams struct {
	sessionParams
	Token        string `json:"token"`
	Password     string `json:"password"`
	CodeVerifier string `json:"code_verifier"`
}

// resetByEmail serves POST /v1/passwords/email/reset: sets the password, verifies the email and
// revokes all of the user's sessions; a new session starts when a duration is given.
func resetByEmail(c *call) (int, metaSetter, error) {
	var req resetByEmailParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Token == "" {
		return 0, nil, newError("invalid_token", "token is required.")
	}
	if req.Password == "" {
		return 0, nil, required("password")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	stored, err := p.hashPassword(req.Password)
	if err != nil {
		return 0, nil, err
	}
	var rt *resetToken
	var email *contact
	resp := &authResponse{}
	return reply(resp, c.authenticate(resp, factorAuth{
		session: &req.sessionParams,
		find: func(tx *authTx) (*user, error) {
			var u *user
			if rt = p.resets[req.Token]; rt != nil {
				u = p.userLocked(rt.userID, tx.now)
			}
			if rt == nil || rt.used || !tx.now.Before(rt.expiresAt) || u == nil {
				return nil, newError("unable_to_auth_password_reset_token", "The password reset token is unknown, used or expired.")
			}
			if email = u.contactByID(rt.emailID); email == nil {
				return nil, newError("unable_to_auth_password_reset_token", "The email of this reset token is no longer on the user.")
			}
			return u, nil
		},
		verify: func(tx *authTx, u *user) (*factor, error) {
			if err := rt.checkPKCE(req.CodeVerifier); err != nil {
				return nil, err
			}
			if err := p.checkStrength(req.Password, email.value); err != nil {
				return nil, err
			}
			rt.used = true
			email.verify()
			stored.id = u.passwordID()
			u.password = stored
			u.succeedLocked()
			u.lockCreated, u.lockExpires = time.Time{}, time.Time{}
			tx.revokeSessions(u, nil)
			return passwordFactor(), nil
		},
	}))
}

// checkPKCE enforces the PKCE pair of a reset started with a code_challenge: the code_verifier is
// required (pkce_expected_code_verifier) and its base64url SHA-256 must be the challenge
// (pkce_mismatch), compared in constant time. A failed check leaves the token usable. Without a
// challenge a verifier is ignored (unconfirmed).
func (rt *resetToken) checkPKCE(verifier string) error {
	if rt.codeChallenge == "" {
		return nil
	}
	if verifier == "" {
		return newError("pkce_expected_code_verifier", "code_verifier is required: the reset was started with a code_challenge.")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(rt.codeChallenge)) != 1 {
		return newError("pkce_mismatch", "code_verifier does not match the code_challenge.")
	}
	return nil
}

type resetByExistingParams struct {
	sessionParams
	Email            string `json:"email"`
	ExistingPassword string `json:"existing_password"`
	NewPassword      string `json:"new_password"`
}

// resetByExistingPassword serves POST /v1/passwords/existing_password/reset: revokes all of the
// user's sessions; a new session starts when a duration is given.
func resetByExistingPassword(c *call) (int, metaSetter, error) {
	var req resetByExistingParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkEmail(req.Email); err != nil {
		return 0, nil, err
	}
	if req.ExistingPassword == "" {
		return 0, nil, required("existing_password")
	}
	if req.NewPassword == "" {
		return 0, nil, required("new_password")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	if err := p.checkStrength(req.NewPassword, req.Email); err != nil {
		return 0, nil, err
	}
	stored, err := p.hashPassword(req.NewPassword)
	if err != nil {
		return 0, nil, err
	}
	resp := &authResponse{}
	return reply(resp, c.authenticate(resp, factorAuth{
		session:  &req.sessionParams,
		password: req.ExistingPassword,
		find:     p.passwordOwner(req.Email),
		verify: func(tx *authTx, u *user) (*factor, error) {
			if err := checkLock(u, tx.now); err != nil {
				return nil, err
			}
			if u.sandbox || u.password == nil {
				return nil, newError("no_user_password", "This user has no password to reset.")
			}
			if !tx.passwordOK {
				p.failLocked(u, tx.now)
				return nil, newError("unauthorized_credentials", "Unauthorized credentials: the existing password is wrong.")
			}
			u.succeedLocked()
			stored.id = u.passwordID()
			u.password = stored
			tx.revokeSessions(u, nil)
			return passwordFactor(), nil
		},
	}))
}

type resetBySessionParams struct {
	sessionParams
	Password string `json:"password"`
}

// resetBySession serves POST /v1/passwords/session/reset: the session must carry a password,
// email-OTP or magic-link factor authenticated in the last 5 minutes; all other sessions of the
// user are revoked and the password factor is added to this one.
func resetBySession(c *call) (int, metaSetter, error) {
	var req resetBySessionParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Password == "" {
		return 0, nil, required("password")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	if req.SessionToken == "" && req.SessionJWT == "" {
		return 0, nil, newError("no_session_arguments", "Pass session_token or session_jwt.")
	}
	p := c.p
	stored, err := p.hashPassword(req.Password)
	if err != nil {
		return 0, nil, err
	}
	resp := &authResponse{}
	return reply(resp, c.authenticate(resp, factorAuth{
		// The session used keeps its token; the user's other sessions are revoked (stytch-go
		// passwords_session.go).
		keepToken: true,
		session:   &req.sessionParams,
		find: func(tx *authTx) (*user, error) {
			s, err := tx.session()
			if err != nil {
				return nil, err
			}
			if u := p.userLocked(s.userID, tx.now); u != nil {
				return u, nil
			}
			return nil, errSessionNotFound()
		},
		verify: func(tx *authTx, u *user) (*factor, error) {
			s := tx.existing
			if !s.hasRecentResetFactor(tx.now) {
				return nil, newError("session_too_old_to_reset_password", "The session needs a password, email OTP or magic link factor from the last 5 minutes.")
			}
			email := ""
			if e := u.firstContact(mediumEmail); e != nil {
				email = e.value
			}
			if err := p.checkStrength(req.Password, email); err != nil {
				return nil, err
			}
			stored.id = u.passwordID()
			u.password = stored
			tx.revokeSessions(u, s)
			return passwordFactor(), nil
		},
	}))
}

// hasRecentResetFactor reports whether s has a factor that allows a session password reset.
func (s *session) hasRecentResetFactor(now time.Time) bool {
	for _, f := range s.factors {
		ok := f.typ == "password" || f.typ == "magic_link" || (f.typ == "otp" && f.delivery == "email")
		if ok && now.Sub(f.lastAuthAt) <= resetSessionWindow {
			return true
		}
	}
	return false
}
