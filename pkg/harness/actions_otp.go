package harness

import (
	"context"
	"fmt"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
)

// OTPSend sends a one-time passcode to a phone (SMS or WhatsApp) or an email address
// (POST /v1/otps/{sms,whatsapp,email}/send) and records it in State.LastOTP. With WithSession (or
// ForUser) a destination the user lacks is attached to the user, unverified.
type OTPSend struct {
	// Channel is the delivery channel (zero: SMS).
	Channel Channel
	// To is the phone number or email address ("": the identity's for the channel).
	To string
	// WithSession sends the current session's token, attaching the destination to its user.
	WithSession bool
	// ForUser sends the state's user_id, attaching the destination to that user.
	ForUser bool
	// ExpirationMinutes is the code's lifetime (0: Stytch's default).
	ExpirationMinutes int32
}

// String names the call.
func (a OTPSend) String() string { return "otps." + string(a.Channel.orDefault()) + ".send" }

// Do sends the code.
func (a OTPSend) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	ch := a.Channel.orDefault()
	to := orString(a.To, ch.destination(s.Identity))
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	var userID string
	if a.ForUser {
		if resp.Err = need(s.UserID, "user id", "create or authenticate a user first"); resp.Err != nil {
			return
		}
		userID = s.UserID
	}
	var methodID, owner string
	switch ch {
	case ChannelSMS:
		r, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: to, ExpirationMinutes: a.ExpirationMinutes, UserID: userID, SessionToken: token})
		if !done(resp, r, err) {
			return
		}
		methodID, owner = r.PhoneID, r.UserID
	case ChannelWhatsApp:
		r, err := c.OTPs.Whatsapp.Send(ctx, &whatsapp.SendParams{PhoneNumber: to, ExpirationMinutes: a.ExpirationMinutes, UserID: userID, SessionToken: token})
		if !done(resp, r, err) {
			return
		}
		methodID, owner = r.PhoneID, r.UserID
	case ChannelEmail:
		r, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: to, ExpirationMinutes: a.ExpirationMinutes, UserID: userID, SessionToken: token})
		if !done(resp, r, err) {
			return
		}
		methodID, owner = r.EmailID, r.UserID
	default:
		resp.Err = fmt.Errorf("unknown OTP channel %q", ch)
		return
	}
	s.sent(ch, to, methodID, owner)
}

// OTPLoginOrCreate sends a one-time passcode to a phone or an email address, creating a user when
// none has it (POST /v1/otps/{sms,whatsapp,email}/login_or_create). A created user is tracked for
// cleanup.
type OTPLoginOrCreate struct {
	// Channel is the delivery channel (zero: SMS).
	Channel Channel
	// To is the phone number or email address ("": the identity's for the channel).
	To string
	// CreateUserAsPending creates the user with status "pending".
	CreateUserAsPending bool
	// ExpirationMinutes is the code's lifetime (0: Stytch's default).
	ExpirationMinutes int32
}

// String names the call.
func (a OTPLoginOrCreate) String() string {
	return "otps." + string(a.Channel.orDefault()) + ".login_or_create"
}

// Do sends the code.
func (a OTPLoginOrCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	ch := a.Channel.orDefault()
	to := orString(a.To, ch.destination(s.Identity))
	var methodID, owner string
	var created bool
	switch ch {
	case ChannelSMS:
		r, err := c.OTPs.Sms.LoginOrCreate(ctx, &sms.LoginOrCreateParams{PhoneNumber: to, ExpirationMinutes: a.ExpirationMinutes, CreateUserAsPending: a.CreateUserAsPending})
		if !done(resp, r, err) {
			return
		}
		methodID, owner, created = r.PhoneID, r.UserID, r.UserCreated
	case ChannelWhatsApp:
		r, err := c.OTPs.Whatsapp.LoginOrCreate(ctx, &whatsapp.LoginOrCreateParams{PhoneNumber: to, ExpirationMinutes: a.ExpirationMinutes, CreateUserAsPending: a.CreateUserAsPending})
		if !done(resp, r, err) {
			return
		}
		methodID, owner, created = r.PhoneID, r.UserID, r.UserCreated
	case ChannelEmail:
		r, err := c.OTPs.Email.LoginOrCreate(ctx, &email.LoginOrCreateParams{Email: to, ExpirationMinutes: a.ExpirationMinutes, CreateUserAsPending: a.CreateUserAsPending})
		if !done(resp, r, err) {
			return
		}
		methodID, owner, created = r.EmailID, r.UserID, r.UserCreated
	default:
		resp.Err = fmt.Errorf("unknown OTP channel %q", ch)
		return
	}
	if created {
		s.created(owner)
	}
	s.sent(ch, to, methodID, owner)
}

// sent records an OTP sent to a user.
func (s *State) sent(ch Channel, to, methodID, userID string) {
	s.LastOTP = OTPSent{Channel: ch, To: to, MethodID: methodID}
	s.setUser(userID, nil)
	switch {
	case ch == ChannelEmail && to == s.Identity.Email:
		s.EmailID = methodID
	case ch != ChannelEmail && to == s.Identity.Phone:
		s.PhoneID = methodID
	}
}

// OTPAuthenticate authenticates a one-time passcode (POST /v1/otps/authenticate), starting a
// session, or adding an OTP factor to the current one WithSession (the step-up of the MFA guide).
//
// To verify the email of a user who has a password, authenticate the email code WithSession,
// with the session PasswordsCreate started, as Stytch's "email verification after password
// creation" guide does. Without a session of that user, Stytch takes it for the first
// passwordless login of a password user (account-takeover protection): the email is verified,
// but the password then needs a reset (PasswordsAuthenticate fails with 400 reset_password).
type OTPAuthenticate struct {
	// MethodID is the phone_id or email_id ("": that of the last OTP sent).
	MethodID string
	// Code is the code to send (zero: the right code, read from the target).
	Code Code
	// WithSession adds the factor to the current session (sends its session_token). Verifying
	// the email of a user with a password needs it, or the password must be reset.
	WithSession bool
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (OTPAuthenticate) String() string { return "otps.authenticate" }

// Do authenticates the code.
func (a OTPAuthenticate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	methodID := orString(a.MethodID, s.LastOTP.MethodID)
	if resp.Err = need(methodID, "OTP method id", "send an OTP first"); resp.Err != nil {
		return
	}
	code, err := a.Code.resolve(func() (string, error) {
		to, err := s.destinationOf(methodID)
		if err != nil {
			return "", err
		}
		return req.Target.Code(ctx, to)
	})
	if err != nil {
		resp.Err = fmt.Errorf("reading the code: %w", err)
		return
	}
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	p := &otp.AuthenticateParams{MethodID: methodID, Code: code, SessionDurationMinutes: sessionMinutes(a.SessionMinutes), SessionToken: token}
	r, err := c.OTPs.Authenticate(ctx, p)
	if !done(resp, r, err) {
		return
	}
	s.authenticated(a.WithSession, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}

// destinationOf returns the phone number or email address a method id's codes go to.
func (s *State) destinationOf(methodID string) (string, error) {
	switch methodID {
	case s.LastOTP.MethodID:
		return s.LastOTP.To, nil
	case s.EmailID:
		return s.Identity.Email, nil
	case s.PhoneID:
		return s.Identity.Phone, nil
	}
	return "", fmt.Errorf("%w: no destination known for method %s (send an OTP to it first, or give a LiteralCode)", ErrMissingState, methodID)
}
