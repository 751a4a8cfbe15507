package harness

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// Action is what a step does: exactly one Stytch call, made through req.Target.Client(), or one
// move of the clock. Each Stytch endpoint has its own Action type with typed inputs; the
// implementations in this package are values whose zero fields take their defaults from the State.
//
// Do records the outcome in resp (the call's response and error) and, on success, in req.State.
// An action that cannot be made (say, an OTP authenticate before any OTP was sent) sets resp.Err
// to a harness error, which no ExpectError matches.
type Action interface {
	Do(ctx context.Context, req ActionRequest, resp *ActionResponse)
}

// ActionRequest is what an action runs with.
type ActionRequest struct {
	// Target is where the call goes: actions use Target.Client(), never another client.
	Target target.Target
	// State is the case's shared state.
	State *State
}

// ActionResponse is what an action did.
type ActionResponse struct {
	// Response is the stytch-go response value (e.g. *otp.AuthenticateResponse); nil when the call
	// failed or the action makes no call.
	Response any
	// Err is the call's error: a stytcherror.Error from Stytch, or a harness error when the action
	// could not be made.
	Err error
}

// DefaultSessionMinutes is the session_duration_minutes an authenticate action sends when its
// SessionMinutes is zero.
const DefaultSessionMinutes int32 = 60

// NoSession, as an action's SessionMinutes, sends no session_duration_minutes: Stytch then creates
// no new session (a step-up still adds the factor to the presented session).
const NoSession int32 = -1

// sessionMinutes resolves an action's SessionMinutes.
func sessionMinutes(m int32) int32 {
	switch {
	case m == 0:
		return DefaultSessionMinutes
	case m < 0:
		return 0
	}
	return m
}

// Channel is an OTP delivery channel.
type Channel string

// The OTP channels. The zero Channel is ChannelSMS.
const (
	ChannelSMS      Channel = "sms"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelEmail    Channel = "email"
)

// orDefault returns c, or ChannelSMS for the zero Channel.
func (c Channel) orDefault() Channel {
	if c == "" {
		return ChannelSMS
	}
	return c
}

// destination returns the identity's address for the channel.
func (c Channel) destination(ident target.Identity) string {
	if c.orDefault() == ChannelEmail {
		return ident.Email
	}
	return ident.Phone
}

// Token picks the session credential an action presents: the current session's (the zero
// value), the one held before the latest step-up, or a literal.
type Token struct {
	kind    tokenKind
	literal string
}

type tokenKind int

const (
	tokenCurrent tokenKind = iota
	tokenOriginal
	tokenLiteral
)

// CurrentToken is the current session's token or JWT: the zero Token.
func CurrentToken() Token { return Token{} }

// OriginalToken is the token or JWT of the session before the latest step-up (State.Original):
// the "original token" that a rotating target keeps alive for a grace period.
func OriginalToken() Token { return Token{kind: tokenOriginal} }

// LiteralToken is the given session token or JWT, e.g. a sandbox token or a made-up one.
func LiteralToken(s string) Token { return Token{kind: tokenLiteral, literal: s} }

// String describes the token for messages.
func (t Token) String() string {
	switch t.kind {
	case tokenOriginal:
		return "the original token"
	case tokenLiteral:
		return strconv.Quote(t.literal)
	}
	return "the current token"
}

// current reports whether t is the current session's credential.
func (t Token) current() bool { return t.kind == tokenCurrent }

// resolve returns the token (or, with jwt, the JWT) t stands for.
func (t Token) resolve(s *State, jwt bool) (string, error) {
	var c Credentials
	switch t.kind {
	case tokenLiteral:
		return t.literal, nil
	case tokenOriginal:
		c = s.Original.Credentials
	default:
		c = s.Session.Credentials
	}
	v, what := c.Token, "session token"
	if jwt {
		v, what = c.JWT, "session JWT"
	}
	if v == "" {
		return "", fmt.Errorf("%w: no %s for %s in the state", ErrMissingState, what, t)
	}
	return v, nil
}

// ErrMissingState is returned (wrapped) by an action whose input should come from the state but
// is not there yet, e.g. an OTP authenticate before any OTP was sent.
var ErrMissingState = errors.New("missing input")

// Code picks the one-time code an authenticate action sends: the right code (the zero value), a
// literal, or a deliberately wrong one.
//
// For OTPs the right code is the one the target read for the destination (target.Code); for TOTP
// it is computed from the registration's secret at the target's clock.
type Code struct {
	kind    codeKind
	literal string
}

type codeKind int

const (
	codeRight codeKind = iota
	codeLiteral
	codeWrong
)

// RightCode is the code that should authenticate: the zero Code.
func RightCode() Code { return Code{} }

// LiteralCode is the given code, e.g. the sandbox code "000000".
func LiteralCode(code string) Code { return Code{kind: codeLiteral, literal: code} }

// WrongCode is a well-formed code that differs from the right one.
func WrongCode() Code { return Code{kind: codeWrong} }

// String describes the code for messages.
func (c Code) String() string {
	switch c.kind {
	case codeLiteral:
		return "code " + strconv.Quote(c.literal)
	case codeWrong:
		return "a wrong code"
	}
	return "the right code"
}

// resolve returns the code to send; right returns the right code.
func (c Code) resolve(right func() (string, error)) (string, error) {
	switch c.kind {
	case codeLiteral:
		return c.literal, nil
	case codeWrong:
		code, err := right()
		if err != nil {
			if !errors.Is(err, target.ErrCodeUnavailable) {
				return "", err
			}
			// The right code is unknown: any fixed code is wrong but for a one-in-a-million chance.
			code = "000000"
		}
		return wrongCode(code), nil
	}
	return right()
}

// wrongCode returns a code of the same length as code that differs from it in every digit.
func wrongCode(code string) string {
	b := []byte(code)
	for i, d := range b {
		if d >= '0' && d <= '9' {
			b[i] = '0' + (d-'0'+5)%10
		} else {
			b[i] = '0'
		}
	}
	if len(b) == 0 {
		return "000000"
	}
	return string(b)
}

// clientFor returns the target's client and the case's state for an action, or records in resp
// why the action cannot run (no target, a target without a client, or with needsUser no user in
// the state yet) and returns a nil client.
func clientFor(req ActionRequest, resp *ActionResponse, user userNeed) (*stytchapi.API, *State) {
	switch {
	case req.Target == nil:
		resp.Err = errors.New("no target")
	case req.Target.Client() == nil:
		resp.Err = fmt.Errorf("target %s has no client", req.Target.Name())
	case user == needsUser:
		resp.Err = need(req.State.UserID, "user id", "create or authenticate a user first")
	}
	if resp.Err != nil {
		return nil, req.State
	}
	return req.Target.Client(), req.State
}

// userNeed says whether an action needs a user in the state.
type userNeed bool

const (
	anyUser   userNeed = false
	needsUser userNeed = true
)

// orString returns v, or def when v is empty.
func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// need returns an ErrMissingState error for v when it is empty.
func need(v, what, hint string) error {
	if v != "" {
		return nil
	}
	return fmt.Errorf("%w: no %s in the state (%s)", ErrMissingState, what, hint)
}

// done records a call's outcome in resp; it returns whether the call succeeded.
func done(resp *ActionResponse, r any, err error) bool {
	if err != nil {
		resp.Err = err
		return false
	}
	resp.Response = r
	return true
}
