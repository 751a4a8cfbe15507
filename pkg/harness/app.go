package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// App is the application under test that AppRequest drives: the service that integrates Stytch,
// described by an app contract (pkg/app). Either New builds it in process for each case, wired to
// the case's own target, or it runs elsewhere at URL, configured with the target's project.
type App struct {
	// Contract says how to drive the app (required).
	Contract *app.Contract
	// New builds the app's handler for a case's target, from its stytch-go client (and its clock,
	// for factor ages): each case gets its own app on its own project.
	New func(tgt target.Target) (http.Handler, error)
	// URL is where a running app listens, when New is nil. Its cases must run one at a time on
	// the project the app is configured with (target.WithOneProject).
	URL string
}

// validate reports a malformed App.
func (a *App) validate() error {
	switch {
	case a.Contract == nil:
		return errors.New("the app has no contract")
	case (a.New == nil) == (a.URL == ""):
		return errors.New("the app needs New or URL, not both")
	}
	return a.Contract.Validate()
}

// open returns a client of the app for a case on tgt.
func (a *App) open(tgt target.Target) (*app.Client, error) {
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("harness: app: %w", err)
	}
	if a.New == nil {
		return app.NewClient(a.Contract, a.URL), nil
	}
	h, err := a.New(tgt)
	if err != nil {
		return nil, fmt.Errorf("harness: building the app %s: %w", a.Contract.DisplayName(), err)
	}
	return app.NewInProcessClient(a.Contract, h), nil
}

// AppRequest is one request to the application under test (TestCase.App): the contract's route,
// its template filled with the state's identity and, for submit_sms_code, Code or else the latest
// code the target has for the identity's phone; for submit_totp_code, Code or else the code of the
// TOTP secret register_totp answered with (State.TOTP.Secret) at the target's time; for
// authenticate_magic_link, Token or else the token of the link the app had sent, which a
// successful send_magic_link reads from the target (State.LastMagicLink, as MagicLinkSend does);
// a send the app answers as done that leaves the address no new emailed link is an error.
// The session the app hands out is carried to the next request. The app's answer is an
// *app.Response in State.LastResponse; an app that says no is not an error, checks judge it
// (CheckAppOK, CheckAppRefused, CheckAppAnswer).
type AppRequest struct {
	// Route is the contract's route.
	Route app.RouteName
	// Code is the code to submit ("": read from the target).
	Code string
	// Token is the magic-link token authenticate_magic_link submits ("": the last link's; see
	// Again).
	Token string
	// Again, with authenticate_magic_link, submits the token the last magic-link authentication
	// used: a used link.
	Again bool
}

// String names the request.
func (a AppRequest) String() string { return "app " + string(a.Route) }

// Do makes the request.
func (a AppRequest) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c := req.State.app
	if c == nil {
		resp.Err = fmt.Errorf("%s: %w: the case has no app (TestCase.App)", a, ErrMissingState)
		return
	}
	id := req.State.Identity
	v := app.Vars{Email: id.Email, Password: id.Password, Phone: id.Phone, Code: a.Code, TOTPCode: a.Code}
	if a.Code == "" && a.Route == app.SubmitTOTPCode {
		code, err := a.totpCode(req.State)
		if err != nil {
			resp.Err = err
			return
		}
		v.TOTPCode = code
	}
	if v.Code == "" && a.Route == app.SubmitSMSCode {
		if req.Target == nil || id.Phone == "" {
			resp.Err = fmt.Errorf("%s: %w: no target or no phone to read the code of", a, ErrMissingState)
			return
		}
		code, err := req.Target.Code(ctx, id.Phone)
		if err != nil {
			resp.Err = fmt.Errorf("%s: read the code: %w", a, err)
			return
		}
		v.Code = code
	}
	if a.Route == app.AuthenticateMagicLink {
		tok, err := a.linkToken(req.State)
		if err != nil {
			resp.Err = err
			return
		}
		v.Token = tok
		req.State.UsedMagicLink = tok
	}
	var before string // the last link the address had before the send
	if a.Route == app.SendMagicLink {
		before = latestLinkToken(ctx, req.Target, id.Email)
	}
	out, err := c.Do(ctx, a.Route, v)
	if err != nil {
		resp.Err = fmt.Errorf("%s: %w", a, err)
		return
	}
	if a.Route == app.SendMagicLink && out.OK() {
		if err := req.State.readLink(ctx, req.Target, id.Email, "", ""); err != nil {
			resp.Err = fmt.Errorf("%s: %w", a, err)
			return
		}
		// An emailed link (it has a URL; the sandbox's fixed token has none) is new at each send:
		// the one read before means the app said it sent a link but did not.
		if l := req.State.LastMagicLink.Link; l.URL != "" && l.Token == before {
			resp.Err = fmt.Errorf("%s: the app answered %s, but no new magic link reached %s", a, out, id.Email)
			return
		}
	}
	if a.Route == app.RegisterTOTP && out.OK() {
		if out.Secret == "" {
			resp.Err = fmt.Errorf("%s: the answer has no TOTP secret in the field %q: %s", a, c.Contract().Route(a.Route).SecretField, out)
			return
		}
		req.State.TOTP = TOTPRegistration{Secret: out.Secret}
	}
	resp.Response = out
}

// latestLinkToken is the token of the last magic link the target has for email ("" for none, or
// a target that cannot read it).
func latestLinkToken(ctx context.Context, t target.Target, email string) string {
	r, ok := t.(target.MagicLinkReader)
	if !ok {
		return ""
	}
	l, err := r.MagicLink(ctx, email)
	if err != nil {
		return ""
	}
	return l.Token
}

// linkToken is the magic-link token to submit.
func (a AppRequest) linkToken(s *State) (string, error) {
	switch {
	case a.Token != "":
		return a.Token, nil
	case a.Again:
		if s.UsedMagicLink == "" {
			return "", fmt.Errorf("%s: %w: no used magic link (open one first)", a, ErrMissingState)
		}
		return s.UsedMagicLink, nil
	case s.LastMagicLink.Link.Token == "":
		return "", fmt.Errorf("%s: %w: no magic link the target could read (send_magic_link to an identity whose links the target reads first)", a, ErrMissingState)
	}
	return s.LastMagicLink.Link.Token, nil
}

// totpCode is the code of the registered secret at the state's time.
func (a AppRequest) totpCode(s *State) (string, error) {
	if s.TOTP.Secret == "" {
		return "", fmt.Errorf("%s: %w: no TOTP secret (register_totp first)", a, ErrMissingState)
	}
	code, err := totp.GenerateCode(s.TOTP.Secret, s.Now())
	if err != nil {
		return "", fmt.Errorf("%s: computing the TOTP code: %w", a, err)
	}
	return code, nil
}

// AgeSessions moves the target's sessions D into the past (target.AgeSessions), so that an app
// sees its factors that much older, whatever clock it reads. It needs the session-ageing
// capability.
type AgeSessions struct {
	// D is how far into the past; it must be positive.
	D time.Duration
}

// String describes the move.
func (a AgeSessions) String() string { return "age sessions " + a.D.String() }

// Do ages the sessions.
func (a AgeSessions) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	if req.Target == nil {
		resp.Err = errors.New("age sessions: no target")
		return
	}
	resp.Err = req.Target.AgeSessions(ctx, a.D)
}

// lastAppResponse returns the app's answer to the last step.
func lastAppResponse(s *State) (*app.Response, error) {
	r, ok := s.LastResponse.(*app.Response)
	if !ok || r == nil {
		return nil, fmt.Errorf("%w: no app answer (the last step made no app request)", ErrMissingState)
	}
	return r, nil
}

// CheckAppOK checks that the app accepted the last request: a 2xx or 3xx status that is not the
// contract's refused answer.
func CheckAppOK() CheckFunc {
	return func(s *State) error {
		r, err := lastAppResponse(s)
		if err != nil {
			return err
		}
		if !r.OK() {
			return fmt.Errorf("app: want the request accepted, got %s", r)
		}
		return nil
	}
}

// CheckAppRefused checks that the app turned the last request down: a 4xx status or the
// contract's refused answer; it neither accepted it nor failed with a server error.
func CheckAppRefused() CheckFunc {
	return func(s *State) error {
		r, err := lastAppResponse(s)
		if err != nil {
			return err
		}
		if !r.Refused() {
			return fmt.Errorf("app: want a refusal (a 4xx status or the contract's refused answer), got %s", r)
		}
		return nil
	}
}

// CheckAppAnswer checks that the app's answer to the last request is of kind want, as the
// contract's answers recognise them.
func CheckAppAnswer(want app.Kind) CheckFunc {
	return func(s *State) error {
		r, err := lastAppResponse(s)
		if err != nil {
			return err
		}
		if r.Kind != want {
			return fmt.Errorf("app: want %s, got %s (%s)", want, r.Kind, r)
		}
		return nil
	}
}
