package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// maxControlBody bounds a control API response read into memory.
const maxControlBody = 16 << 20

// ControlClient is a typed client of the emulator-only control API under /emulator/v1/,
// authenticated with the Basic credentials of the project it acts on. It is the
// one hand-written HTTP client of the harness: the control API is not a Stytch endpoint.
//
// Its zero value is not usable: set BaseURL and Credentials (NewControlClient does).
type ControlClient struct {
	// BaseURL is the emulator's base URL, e.g. http://127.0.0.1:9010 (no trailing slash).
	BaseURL string
	// Credentials are the project the calls act on (not needed for Health).
	Credentials Credentials
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// NewControlClient returns a control API client for the project creds of the emulator at baseURL,
// sending with hc (nil: http.DefaultClient).
func NewControlClient(baseURL string, creds Credentials, hc *http.Client) *ControlClient {
	return &ControlClient{BaseURL: strings.TrimSuffix(baseURL, "/"), Credentials: creds, HTTPClient: hc}
}

// ControlError is a control API answer other than 200, in Stytch's error shape.
type ControlError struct {
	// StatusCode is the HTTP status.
	StatusCode int `json:"status_code"`
	// RequestID identifies the request in the emulator's request log.
	RequestID string `json:"request_id"`
	// ErrorType is the machine-readable error, e.g. unauthorized_credentials.
	ErrorType string `json:"error_type"`
	// ErrorMessage explains it.
	ErrorMessage string `json:"error_message"`
}

// Error describes the failure.
func (e *ControlError) Error() string {
	return fmt.Sprintf("emulator control api: %d %s: %s", e.StatusCode, e.ErrorType, e.ErrorMessage)
}

// Health checks that an emulator answers at BaseURL (GET /emulator/v1/health).
func (c *ControlClient) Health(ctx context.Context) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := c.do(ctx, http.MethodGet, "/emulator/v1/health", nil, nil, &out); err != nil {
		return err
	}
	if out.Status != "ok" {
		return fmt.Errorf("emulator health: status %q", out.Status)
	}
	return nil
}

// TokenRotation returns the emulator's token-rotation mode, from GET /emulator/v1/health
// (RotateTokens for an emulator that does not say).
func (c *ControlClient) TokenRotation(ctx context.Context) (emulator.Rotation, error) {
	var out struct {
		TokenRotation emulator.Rotation `json:"token_rotation"`
	}
	if err := c.do(ctx, http.MethodGet, "/emulator/v1/health", nil, nil, &out); err != nil {
		return "", fmt.Errorf("token rotation: %w", err)
	}
	if out.TokenRotation == "" {
		return emulator.RotateTokens, nil
	}
	return out.TokenRotation, nil
}

// Messages returns the project's outbox addressed to to (an E.164 phone or an email; "" for all),
// oldest first.
func (c *ControlClient) Messages(ctx context.Context, to string) ([]emulator.Message, error) {
	var q url.Values
	if to != "" {
		q = url.Values{"to": {to}}
	}
	var out struct {
		Messages []emulator.Message `json:"messages"`
	}
	if err := c.do(ctx, http.MethodGet, "/emulator/v1/messages", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Messages, nil
}

type clockAnswer struct {
	Now time.Time `json:"now"`
}

// Now returns the project's virtual time (GET /emulator/v1/clock).
func (c *ControlClient) Now(ctx context.Context) (time.Time, error) {
	var out clockAnswer
	err := c.do(ctx, http.MethodGet, "/emulator/v1/clock", nil, nil, &out)
	return out.Now, err
}

// Advance moves the project's clock forward by d and returns the new time (POST
// /emulator/v1/clock {"advance": d}).
func (c *ControlClient) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	var out clockAnswer
	err := c.do(ctx, http.MethodPost, "/emulator/v1/clock", nil, map[string]string{"advance": d.String()}, &out)
	return out.Now, err
}

// SetTime moves the project's clock to t, forwards or backwards, and returns the new time (POST
// /emulator/v1/clock {"set": t}). The emulator takes RFC 3339 with whole seconds.
func (c *ControlClient) SetTime(ctx context.Context, t time.Time) (time.Time, error) {
	var out clockAnswer
	err := c.do(ctx, http.MethodPost, "/emulator/v1/clock", nil, map[string]string{"set": t.UTC().Format(time.RFC3339)}, &out)
	return out.Now, err
}

// Reset empties the project's state and restores the sandbox fixtures (POST /emulator/v1/reset).
func (c *ControlClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/emulator/v1/reset", nil, struct{}{}, nil)
}

// AgeSessions moves every session of the project d into the past (POST /emulator/v1/sessions/age
// {"by": d}): its times, its factors' timestamps and its rotated-out tokens' grace.
func (c *ControlClient) AgeSessions(ctx context.Context, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "/emulator/v1/sessions/age", nil, map[string]string{"by": d.String()}, nil)
}

// AddFault installs a fault in the project (POST /emulator/v1/faults).
func (c *ControlClient) AddFault(ctx context.Context, f emulator.Fault) error {
	body := struct {
		Method    string `json:"method"`
		Path      string `json:"path"`
		Status    int    `json:"status,omitempty"`
		ErrorType string `json:"error_type,omitempty"`
		Times     int    `json:"times,omitempty"`
		Delay     string `json:"delay,omitempty"`
	}{Method: f.Method, Path: f.Path, Status: f.Status, ErrorType: f.ErrorType, Times: f.Times}
	if f.Delay != 0 {
		body.Delay = f.Delay.String()
	}
	return c.do(ctx, http.MethodPost, "/emulator/v1/faults", nil, body, nil)
}

// ClearFaults removes the project's faults (DELETE /emulator/v1/faults).
func (c *ControlClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/emulator/v1/faults", nil, nil, nil)
}

// Requests returns the project's recent requests, oldest first (GET /emulator/v1/requests).
func (c *ControlClient) Requests(ctx context.Context) ([]emulator.RequestRecord, error) {
	var out struct {
		Requests []emulator.RequestRecord `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, "/emulator/v1/requests", nil, nil, &out)
	return out.Requests, err
}

// do sends one control request with the project's Basic credentials and decodes a 200 answer into
// out (when not nil); any other status is a *ControlError.
func (c *ControlClient) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("emulator control api %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(raw)
	}
	u := c.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("emulator control api %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.Credentials.ProjectID, c.Credentials.Secret)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("emulator control api %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxControlBody))
	if err != nil {
		return fmt.Errorf("emulator control api %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		ce := &ControlError{}
		if json.Unmarshal(raw, ce) != nil || ce.ErrorType == "" {
			ce = &ControlError{ErrorType: "unexpected_response", ErrorMessage: truncate(string(raw), 200)}
		}
		ce.StatusCode = resp.StatusCode
		return ce
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("emulator control api %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
