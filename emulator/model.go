package emulator

import (
	"slices"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// user is a Stytch user as the emulator stores it. Only the project's lock guards it.
type user struct {
	id         string
	createdAt  time.Time
	status     string // "active" | "pending"
	name       wireName
	externalID string
	trusted    map[string]any
	untrusted  map[string]any
	roles      []string
	contacts   []*contact // emails and phone numbers, in the order they were added
	password   *storedPassword
	totps      []*totpRecord

	// Lockout bookkeeping: failed password/OTP attempts inside the window.
	failures    []time.Time
	lockCreated time.Time
	lockExpires time.Time

	sandbox bool // the sandbox fixture user: any password matches, TOTP 000000
}

// storedPassword is a user's password: a hash, never the password itself.
type storedPassword struct {
	id            string
	hash          []byte             // salted hash (password.Hasher), when set through the API
	migrated      *password.Migrated // a migrated hash, until the first successful authenticate
	source        *migratedSource    // what migrated was made from (kept in snapshots)
	requiresReset bool
}

// totpRecord is a TOTP registration.
type totpRecord struct {
	id           string
	secret       string
	verified     bool
	expiresAt    time.Time // unverified registrations expire
	recovery     []*recoveryCode
	lastUsedStep int64 // the last 30 s step authenticated, so a code cannot be used twice
	createdAt    time.Time
	sandboxFixed bool // the sandbox user's TOTP: code 000000 always works
}

// recoveryCode is one single-use TOTP recovery code.
type recoveryCode struct {
	id   string
	code string
	used bool
}

// session is a Stytch session.
type session struct {
	id             string
	userID         string
	startedAt      time.Time
	lastAccessedAt time.Time
	expiresAt      time.Time
	factors        []*factor
	customClaims   map[string]any
	roles          []string
	token          string   // the current token
	tokens         []string // every token minted for the session, current and rotated-out
	sandbox        bool     // the sandbox fixture session: cannot be revoked
}

// factor is one entry of a session's authentication_factors.
type factor struct {
	typ          string
	delivery     string
	createdAt    time.Time
	updatedAt    time.Time
	lastAuthAt   time.Time
	emailID      string
	emailAddress string
	phoneID      string
	phoneNumber  string
	totpID       string
	recoveryID   string
	embeddedID   string // embeddable magic links
}

// sameMethod reports whether f and g are the same factor (type, delivery method and the method
// they prove), so re-authenticating updates the entry instead of adding one.
func (f *factor) sameMethod(g *factor) bool {
	return f.typ == g.typ && f.delivery == g.delivery && f.emailID == g.emailID &&
		f.phoneID == g.phoneID && f.totpID == g.totpID && f.recoveryID == g.recoveryID &&
		f.embeddedID == g.embeddedID
}

// tokenEntry maps a session token to its session. A rotated-out token has a deadline.
type tokenEntry struct {
	sessionID string
	deadline  time.Time // zero: valid as long as the session
}

// otpCode is the active one-time passcode of a method (phone_id or email_id).
type otpCode struct {
	code      string
	userID    string
	channel   string // "sms" | "whatsapp" | "email"
	expiresAt time.Time
	used      bool
}

// resetToken is a password-reset-by-email token.
type resetToken struct {
	userID        string
	emailID       string
	expiresAt     time.Time
	used          bool
	codeChallenge string // the PKCE code_challenge given at start, if any
}

// Wire types: the JSON the real API sends, every key present (no omitempty), as in Stytch's user-object doc page and stytch-go's types.

type wireName struct {
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

type wireEmail struct {
	EmailID  string `json:"email_id"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

type wirePhone struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
	Verified    bool   `json:"verified"`
}

type wireTOTP struct {
	TOTPID   string `json:"totp_id"`
	Verified bool   `json:"verified"`
}

type wirePassword struct {
	PasswordID    string `json:"password_id"`
	RequiresReset bool   `json:"requires_reset"`
}

type wireUser struct {
	UserID                 string         `json:"user_id"`
	Emails                 []wireEmail    `json:"emails"`
	Status                 string         `json:"status"`
	PhoneNumbers           []wirePhone    `json:"phone_numbers"`
	WebAuthnRegistrations  []any          `json:"webauthn_registrations"`
	Providers              []any          `json:"providers"`
	TOTPs                  []wireTOTP     `json:"totps"`
	CryptoWallets          []any          `json:"crypto_wallets"`
	BiometricRegistrations []any          `json:"biometric_registrations"`
	IsLocked               bool           `json:"is_locked"`
	Roles                  []string       `json:"roles"`
	Name                   wireName       `json:"name"`
	CreatedAt              string         `json:"created_at"`
	Password               *wirePassword  `json:"password"`
	TrustedMetadata        map[string]any `json:"trusted_metadata"`
	UntrustedMetadata      map[string]any `json:"untrusted_metadata"`
	ExternalID             *string        `json:"external_id"`
	LockCreatedAt          *string        `json:"lock_created_at"`
	LockExpiresAt          *string        `json:"lock_expires_at"`
}

type wireAttributes struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

type wireEmailFactor struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

type wirePhoneFactor struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
}

type wireAuthenticatorAppFactor struct {
	TOTPID string `json:"totp_id"`
}

type wireRecoveryCodeFactor struct {
	TOTPRecoveryCodeID string `json:"totp_recovery_code_id"`
}

type wireEmbeddableMagicLinkFactor struct {
	EmbeddedID string `json:"embedded_id"`
}

// wireFactor is an authentication factor; the *_factor objects appear only for their factor type,
// and created_at/updated_at are left out inside JWT claims (jwtFactor).
type wireFactor struct {
	Type                   string                         `json:"type"`
	DeliveryMethod         string                         `json:"delivery_method"`
	LastAuthenticatedAt    string                         `json:"last_authenticated_at"`
	CreatedAt              string                         `json:"created_at,omitempty"`
	UpdatedAt              string                         `json:"updated_at,omitempty"`
	EmailFactor            *wireEmailFactor               `json:"email_factor,omitempty"`
	PhoneNumberFactor      *wirePhoneFactor               `json:"phone_number_factor,omitempty"`
	AuthenticatorAppFactor *wireAuthenticatorAppFactor    `json:"authenticator_app_factor,omitempty"`
	RecoveryCodeFactor     *wireRecoveryCodeFactor        `json:"recovery_code_factor,omitempty"`
	EmbeddableMagicLink    *wireEmbeddableMagicLinkFactor `json:"embeddable_magic_link_factor,omitempty"`
}

type wireSession struct {
	SessionID             string         `json:"session_id"`
	UserID                string         `json:"user_id"`
	AuthenticationFactors []wireFactor   `json:"authentication_factors"`
	Roles                 []string       `json:"roles"`
	StartedAt             string         `json:"started_at"`
	LastAccessedAt        string         `json:"last_accessed_at"`
	ExpiresAt             string         `json:"expires_at"`
	Attributes            wireAttributes `json:"attributes"`
	CustomClaims          map[string]any `json:"custom_claims"`
}

// defaultRoles is the implicit consumer role every user and session carries.
func defaultRoles(extra []string) []string {
	roles := []string{"stytch_user"}
	for _, r := range extra {
		if r != "stytch_user" && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles
}

// wire renders a user as the API returns it.
func (u *user) wire(now time.Time) wireUser {
	w := wireUser{
		UserID:                 u.id,
		Emails:                 []wireEmail{},
		Status:                 u.status,
		PhoneNumbers:           []wirePhone{},
		WebAuthnRegistrations:  []any{},
		Providers:              []any{},
		TOTPs:                  make([]wireTOTP, 0, len(u.totps)),
		CryptoWallets:          []any{},
		BiometricRegistrations: []any{},
		Roles:                  defaultRoles(u.roles),
		Name:                   u.name,
		CreatedAt:              ts(u.createdAt),
		TrustedMetadata:        orEmpty(u.trusted),
		UntrustedMetadata:      orEmpty(u.untrusted),
	}
	for _, ct := range u.contacts {
		if ct.medium == mediumEmail {
			w.Emails = append(w.Emails, wireEmail{EmailID: ct.id, Email: ct.value, Verified: ct.verified})
		} else {
			w.PhoneNumbers = append(w.PhoneNumbers, wirePhone{PhoneID: ct.id, PhoneNumber: ct.value, Verified: ct.verified})
		}
	}
	for _, t := range u.totps {
		w.TOTPs = append(w.TOTPs, wireTOTP{TOTPID: t.id, Verified: t.verified})
	}
	if u.password != nil {
		w.Password = &wirePassword{PasswordID: u.password.id, RequiresReset: u.password.requiresReset}
	}
	if u.externalID != "" {
		id := u.externalID
		w.ExternalID = &id
	}
	if u.locked(now) {
		w.IsLocked = true
		w.LockCreatedAt = tsPtr(u.lockCreated)
		w.LockExpiresAt = tsPtr(u.lockExpires)
	}
	return w
}

// locked reports whether the user is locked out at now.
func (u *user) locked(now time.Time) bool {
	return !u.lockExpires.IsZero() && now.Before(u.lockExpires)
}

// orEmpty returns m, or an empty map for nil (the API sends {} rather than null).
func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// wire renders a factor; withTimes adds created_at/updated_at (API bodies, not JWT claims).
func (f *factor) wire(withTimes bool) wireFactor {
	w := wireFactor{Type: f.typ, DeliveryMethod: f.delivery, LastAuthenticatedAt: ts(f.lastAuthAt)}
	if withTimes {
		w.CreatedAt, w.UpdatedAt = ts(f.createdAt), ts(f.updatedAt)
	}
	switch {
	case f.emailID != "":
		w.EmailFactor = &wireEmailFactor{EmailID: f.emailID, EmailAddress: f.emailAddress}
	case f.phoneID != "":
		w.PhoneNumberFactor = &wirePhoneFactor{PhoneID: f.phoneID, PhoneNumber: f.phoneNumber}
	case f.recoveryID != "":
		w.RecoveryCodeFactor = &wireRecoveryCodeFactor{TOTPRecoveryCodeID: f.recoveryID}
	case f.totpID != "":
		w.AuthenticatorAppFactor = &wireAuthenticatorAppFactor{TOTPID: f.totpID}
	case f.embeddedID != "":
		w.EmbeddableMagicLink = &wireEmbeddableMagicLinkFactor{EmbeddedID: f.embeddedID}
	}
	return w
}

// wire renders a session as the API returns it.
func (s *session) wire() *wireSession {
	w := &wireSession{
		SessionID:             s.id,
		UserID:                s.userID,
		AuthenticationFactors: make([]wireFactor, 0, len(s.factors)),
		Roles:                 defaultRoles(s.roles),
		StartedAt:             ts(s.startedAt),
		LastAccessedAt:        ts(s.lastAccessedAt),
		ExpiresAt:             ts(s.expiresAt),
		CustomClaims:          orEmpty(s.customClaims),
	}
	for _, f := range s.factors {
		w.AuthenticationFactors = append(w.AuthenticationFactors, f.wire(true))
	}
	if s.sandbox {
		// The sandbox session keeps its fractional seconds, as the real test environment
		// reports them; ordinary objects have whole seconds.
		w.StartedAt = s.startedAt.UTC().Format(time.RFC3339Nano)
	}
	return w
}
