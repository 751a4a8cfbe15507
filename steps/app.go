package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/mfa"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// The pages of the reference app (examples/goapp) the MFA steps request with the scenario's own
// session token: its pages are behind pkg/mfa's net/http middleware, which authenticates the
// session token with Stytch (the scenario's target) and applies the page's policy at the target's
// clock.
const (
	// pageProtected needs a password and an SMS factor (the MFA guide's step 4).
	pageProtected = "/account"
	// pageSensitive needs both, and an SMS factor authenticated within 5 minutes (step 5).
	pageSensitive = "/transfer"
	// pageTOTP needs a password and an authenticator app factor.
	pageTOTP = "/authenticator"
	// pageMagicLink needs an email magic link and an SMS factor (the MFA guide's flow with a magic
	// link as the first factor).
	pageMagicLink = "/inbox"
)

// referenceApp builds the reference app for a target: its stytch-go client, and its clock for
// factor ages.
func referenceApp(tgt target.Target) (http.Handler, error) {
	return goapp.New(goapp.Config{Client: tgt.Client(), Clock: mfa.ClockFunc(tgt.Now)})
}

// appRequest is a harness action: one request to the application, with the current session
// token in the session cookie. Its response is an *appResponse in State.LastResponse; a denial is
// not an error (checks judge it).
type appRequest struct {
	method, page string
}

// String names the request.
func (a appRequest) String() string { return "app " + a.method + " " + a.page }

// Do sends the request through the application's handler chain, in process, with ctx (so the
// middleware's Stytch call carries the scenario).
func (a appRequest) Do(ctx context.Context, req harness.ActionRequest, resp *harness.ActionResponse) {
	if req.Target == nil {
		resp.Err = fmt.Errorf("%s: no target", a)
		return
	}
	token := req.State.Session.Token
	if token == "" {
		resp.Err = fmt.Errorf("%s: %w: no session token (sign in first)", a, harness.ErrMissingState)
		return
	}
	r := httptest.NewRequestWithContext(ctx, a.method, a.page, nil)
	r.AddCookie(&http.Cookie{Name: mfa.DefaultCookieName, Value: token})
	h, err := referenceApp(req.Target)
	if err != nil {
		resp.Err = fmt.Errorf("%s: %w", a, err)
		return
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out := &appResponse{Request: a.String(), Status: w.Code, Body: strings.TrimSpace(w.Body.String())}
	if w.Code != http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &out.Denial); err != nil {
			resp.Err = fmt.Errorf("%s: %d with a body that is not the middleware's JSON: %w", a, w.Code, err)
			return
		}
	}
	resp.Response = out
}

// appResponse is what the application answered.
type appResponse struct {
	Request string
	Status  int
	Body    string
	Denial  struct {
		Error   string   `json:"error"`
		Missing []string `json:"missing"`
		Stale   []struct {
			Factor string `json:"factor"`
		} `json:"stale"`
	}
}

// String describes the answer for messages.
func (r *appResponse) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// lastAppResponse returns the application's last answer.
func lastAppResponse(s *harness.State) (*appResponse, error) {
	r, ok := s.LastResponse.(*appResponse)
	if !ok || r == nil {
		return nil, fmt.Errorf("%w: no application response (the last step made no app request)", harness.ErrMissingState)
	}
	return r, nil
}

// checkAppAllowed checks that the application let the last request through.
func checkAppAllowed() harness.CheckFunc {
	return func(s *harness.State) error {
		r, err := lastAppResponse(s)
		if err != nil {
			return err
		}
		if r.Status != http.StatusOK {
			return fmt.Errorf("%s: want 200 (allowed), got %s", r.Request, r)
		}
		return nil
	}
}

// checkAppRefused checks that the application refused the last request with reason (the
// middleware's "error": unauthenticated, missing_factor or stale_factor) and, when factor is not
// empty, named that factor as missing or stale.
func checkAppRefused(reason, factor string) harness.CheckFunc {
	return func(s *harness.State) error {
		r, err := lastAppResponse(s)
		if err != nil {
			return err
		}
		want := http.StatusForbidden
		if reason == mfa.Login.Reason() {
			want = http.StatusUnauthorized
		}
		if r.Status != want || r.Denial.Error != reason {
			return fmt.Errorf("%s: want %d %q, got %s", r.Request, want, reason, r)
		}
		if factor == "" {
			return nil
		}
		named := slices.Clone(r.Denial.Missing)
		for _, st := range r.Denial.Stale {
			named = append(named, st.Factor)
		}
		if !slices.Contains(named, factor) {
			return fmt.Errorf("%s: want %s named in the denial, got %s", r.Request, factor, r)
		}
		return nil
	}
}
