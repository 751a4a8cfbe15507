package harness

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// State is what the steps of one case (or one Gherkin scenario) share: the test identity, what
// the Stytch calls returned so far, captured values and a record of every step. Actions read and
// write it; checks read it. A State belongs to one Runner and is not safe for concurrent use.
//
// The zero value is an empty state with no target: Now reports the host's time and Target is nil.
type State struct {
	// Identity is the test user's contact details and password: actions use them when their own
	// fields are empty.
	Identity target.Identity
	// UserID is the user the flow acts on, set by the first action whose response names a user.
	UserID string
	// User is the latest user object a response carried (nil until one did).
	User *users.User
	// EmailID is the id of the identity's email once a response named it.
	EmailID string
	// PhoneID is the id of the identity's phone number once a response named it.
	PhoneID string
	// LastOTP is the last one-time passcode sent (zero until OTPSend or OTPLoginOrCreate ran).
	LastOTP OTPSent
	// LastMagicLink is the last magic link sent or made (zero until a MagicLink action ran).
	LastMagicLink MagicLinkSent
	// UsedMagicLink is the token the last MagicLinkAuthenticate sent (or the last
	// authenticate_magic_link AppRequest).
	UsedMagicLink string
	// TOTP is the TOTP registration made by TOTPCreate (zero until then).
	TOTP TOTPRegistration
	// Session is the current session: the one the last successful authenticate call returned for
	// the current credentials. Calls made with other credentials (the original token, a literal)
	// leave it alone.
	Session Session
	// Original is the session as it was before the latest step-up (a factor added to an existing
	// session): its id, factors and the credentials presented. It is zero when the current session
	// was not stepped up.
	Original Session
	// UserSessions are the sessions the last SessionsGet listed.
	UserSessions []sessions.Session
	// Strength is the response of the last PasswordsStrengthCheck (nil until then).
	Strength *passwords.StrengthCheckResponse
	// CreatedUsers are the ids of the users the actions created (each also given to target.Track).
	CreatedUsers []string
	// LastResponse is the stytch-go response of the last action (nil when it failed or made no
	// call); check-only steps keep it.
	LastResponse any
	// LastErr is the error of the last action (nil when it succeeded); check-only steps keep it.
	LastErr error
	// Captured holds values recorded by Capture, by name.
	Captured map[string]any
	// History has one record per step run so far, in order: History[k-1] is step k.
	History []StepRecord

	target target.Target
	app    *app.Client // the case's app, when it has one
}

// App returns the client of the case's application under test (nil without one): it carries the
// session the app handed out.
func (s *State) App() *app.Client { return s.app }

// Target returns the target the state's actions run against (nil for a zero State).
func (s *State) Target() target.Target { return s.target }

// Now returns the application-side time: the target's clock, or the host's time without a target.
// Factor ages are measured against it.
func (s *State) Now() time.Time {
	if s.target != nil {
		return s.target.Now()
	}
	return time.Now()
}

// snapshot returns a copy of the state without its history, for StepRecord.
func (s *State) snapshot() *State {
	c := *s
	c.History = nil
	c.Session.Factors = slices.Clone(s.Session.Factors)
	c.UserSessions = slices.Clone(s.UserSessions)
	c.CreatedUsers = slices.Clone(s.CreatedUsers)
	c.TOTP.RecoveryCodes = slices.Clone(s.TOTP.RecoveryCodes)
	c.TOTP.UsedRecoveryCodes = slices.Clone(s.TOTP.UsedRecoveryCodes)
	c.Original.Factors = slices.Clone(s.Original.Factors)
	c.Captured = maps.Clone(s.Captured)
	return &c
}

// Credentials are a session's token and JWT. The zero value holds neither.
type Credentials struct {
	// Token is the opaque session token.
	Token string
	// JWT is the session JWT.
	JWT string
}

// Session is the harness's view of a Stytch session. The zero value means no session.
type Session struct {
	// ID is the session_id.
	ID string
	// UserID is the user the session belongs to.
	UserID string
	// Token and JWT are the session's current credentials.
	Credentials
	// StartedAt and ExpiresAt are the session's times, zero when the response omitted them.
	StartedAt, ExpiresAt time.Time
	// Factors are the session's authentication factors, in the order Stytch listed them.
	Factors []Factor
}

// Factor is one authentication factor of a session.
type Factor struct {
	// Type is the factor type: "password", "otp", "totp", "recovery_codes", ...
	Type string
	// DeliveryMethod is how the factor was delivered: "knowledge", "sms", "email", ...
	DeliveryMethod string
	// LastAuthenticatedAt is when the factor was last authenticated (zero when omitted).
	LastAuthenticatedAt time.Time
	// PhoneNumber is set for SMS and WhatsApp OTP factors.
	PhoneNumber string
	// EmailAddress is set for email factors.
	EmailAddress string
}

// Kind returns the factor's type and delivery method as a FactorKind.
func (f Factor) Kind() FactorKind { return FactorKind(f.Type + "/" + f.DeliveryMethod) }

// FactorKind names a kind of factor as "type/delivery_method", e.g. "otp/sms". Checks compare
// factors by kind; any kind Stytch reports can be written as a FactorKind literal.
type FactorKind string

// The factor kinds of the MFA flows.
const (
	FactorPassword     FactorKind = "password/knowledge"
	FactorSMS          FactorKind = "otp/sms"
	FactorWhatsApp     FactorKind = "otp/whatsapp"
	FactorEmailOTP     FactorKind = "otp/email"
	FactorTOTP         FactorKind = "totp/authenticator_app"
	FactorRecoveryCode FactorKind = "recovery_codes/recovery_code"
	FactorMagicLink    FactorKind = "magic_link/email"
	// FactorEmbeddedMagicLink is an embeddable magic link's factor (MagicLinkCreate).
	FactorEmbeddedMagicLink FactorKind = "magic_link/embedded"
)

// Type returns the factor type part of k.
func (k FactorKind) Type() string { t, _, _ := strings.Cut(string(k), "/"); return t }

// DeliveryMethod returns the delivery method part of k ("" when k has none).
func (k FactorKind) DeliveryMethod() string { _, d, _ := strings.Cut(string(k), "/"); return d }

// Factor returns the session's first factor of kind k.
func (s Session) Factor(k FactorKind) (Factor, bool) {
	for _, f := range s.Factors {
		if f.Kind() == k {
			return f, true
		}
	}
	return Factor{}, false
}

// OTPSent records a one-time passcode sent by an action. The zero value means none was sent.
type OTPSent struct {
	// Channel is the delivery channel.
	Channel Channel
	// To is the phone number or email address the code went to.
	To string
	// MethodID is the phone_id or email_id to authenticate the code with.
	MethodID string
}

// TOTPRegistration is a TOTP registration created by TOTPCreate. The zero value means none.
type TOTPRegistration struct {
	// ID is the totp_id.
	ID string
	// Secret is the base32 shared secret codes are computed from.
	Secret string
	// RecoveryCodes are the recovery codes not used yet by TOTPRecover.
	RecoveryCodes []string
	// UsedRecoveryCodes are the recovery codes TOTPRecover used successfully, oldest first.
	UsedRecoveryCodes []string
}

// StepRecord is what one step did, kept in State.History for cross-step comparisons.
type StepRecord struct {
	// Number is the step's 1-based number.
	Number int
	// Name is the step's name (its action's description when the step has none).
	Name string
	// Skipped reports that SkipFunc skipped the step; its action did not run.
	Skipped bool
	// Response is the stytch-go response of the step's call (nil on error or without a call).
	Response any
	// Err is the error of the step's action, expected or not.
	Err error
	// State is a copy of the state right after the action (without History).
	State *State
}

// sessionFrom converts a stytch-go session and the credentials returned with it.
func sessionFrom(s *sessions.Session, creds Credentials) Session {
	out := Session{ID: s.SessionID, UserID: s.UserID, Credentials: creds}
	if s.StartedAt != nil {
		out.StartedAt = *s.StartedAt
	}
	if s.ExpiresAt != nil {
		out.ExpiresAt = *s.ExpiresAt
	}
	for _, f := range s.AuthenticationFactors {
		g := Factor{Type: string(f.Type), DeliveryMethod: string(f.DeliveryMethod)}
		if f.LastAuthenticatedAt != nil {
			g.LastAuthenticatedAt = *f.LastAuthenticatedAt
		}
		if f.PhoneNumberFactor != nil {
			g.PhoneNumber = f.PhoneNumberFactor.PhoneNumber
		}
		if f.EmailFactor != nil {
			g.EmailAddress = f.EmailFactor.EmailAddress
		}
		out.Factors = append(out.Factors, g)
	}
	return out
}

// setUser records the user a response carried.
func (s *State) setUser(userID string, u *users.User) {
	if userID != "" {
		s.UserID = userID
	}
	if u != nil && u.UserID != "" {
		cp := *u
		s.User = &cp
		if s.UserID == "" {
			s.UserID = u.UserID
		}
	}
}

// created records a user created by an action and tracks it with the target.
func (s *State) created(userID string) {
	if userID == "" || slices.Contains(s.CreatedUsers, userID) {
		return
	}
	s.CreatedUsers = append(s.CreatedUsers, userID)
	if s.target != nil {
		s.target.Track(userID)
	}
}

// authenticated records the outcome of a successful authenticate call. stepUp reports that the
// call presented the current session (adding a factor to it); sess is nil when the call returned
// no session.
func (s *State) authenticated(stepUp bool, userID string, u *users.User, sess *sessions.Session, creds Credentials) {
	s.setUser(userID, u)
	if sess == nil {
		return
	}
	if stepUp {
		s.Original = s.Session
	} else {
		s.Original = Session{}
	}
	s.Session = sessionFrom(sess, creds)
}

// LastSession returns the session the last step's response carried, with the credentials
// returned alongside it; false when the response carried none (a failed call, a call made without
// session_duration_minutes, a call that returns no session).
func (s *State) LastSession() (Session, bool) {
	var sess *sessions.Session
	var creds Credentials
	switch r := s.LastResponse.(type) {
	case *passwords.CreateResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *passwords.AuthenticateResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *otp.AuthenticateResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *magiclinks.AuthenticateResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *totps.AuthenticateResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *totps.RecoverResponse:
		sess, creds = r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *sessions.AuthenticateResponse:
		sess, creds = &r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT}
	case *sessions.Session:
		sess = r
	}
	if sess == nil || sess.SessionID == "" {
		return Session{}, false
	}
	return sessionFrom(sess, creds), true
}
