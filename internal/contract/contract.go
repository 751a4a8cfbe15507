// Package contract checks HTTP exchanges with the emulator against Stytch's published OpenAPI
// description of the Consumer API (testdata/stytch-consumer-core.json, see testdata/README.md).
//
// A Checker judges one exchange at a time:
//   - a success answer must match the response schema of its operation, with no property the
//     description does not declare, and null only where AllowedNulls says Stytch sends it;
//   - an error answer (4xx/5xx) must have Stytch's error shape (status_code, request_id,
//     error_type, error_message, error_url and optionally error_details, nothing else);
//   - a request the description refuses must not be answered with success (the emulator would be
//     more lenient than Stytch);
//   - a success answer on a path the description does not have is refused too.
//
// Tests install it with Checker.Transport (an http.RoundTripper) or call Checker.Check directly.
package contract

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

//go:embed testdata/stytch-consumer-core.json
var spec []byte

// AllowedNulls lists, in one place, the properties that Stytch answers null for an absent object
// or time although the description does not mark them nullable. Each is allowed to be null
// wherever it appears in a response body, and nowhere else is null accepted.
//   - session, user_device: a factor authenticated without session_duration_minutes, and every
//     response without device history (Stytch's .NET integration test; a captured test-env
//     passwords.authenticate response);
//   - lock_created_at, lock_expires_at, external_id: a user that is not locked or has no external
//     id (the captured users.search response);
//   - next_cursor: the last page of users.search (the same capture; the .NET integration test);
//   - password: a user without a password (the same capture);
//   - luds_requirements: strength_check under the zxcvbn policy (Stytch's password-strength guide).
func AllowedNulls() []string {
	return []string{"session", "user_device", "lock_created_at", "lock_expires_at", "external_id", "next_cursor", "password", "luds_requirements"}
}

// errorKeys are the keys of Stytch's error body; the first five are required.
var errorKeys = []string{"status_code", "request_id", "error_type", "error_message", "error_url", "error_details"}

var (
	requestIDPattern = regexp.MustCompile(`^request-id-test-[0-9a-f-]{36}$`)
	errorTypePattern = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// Checker validates exchanges against the OpenAPI description. Build it with New; it is safe for
// concurrent use.
type Checker struct {
	requests  *openapi3.T // the description as published, for requests
	responses *openapi3.T // the same, strict: no undeclared properties, AllowedNulls nullable
	ops       []operation
}

// operation is one (method, path template) of the description.
type operation struct {
	method   string
	template string
	re       *regexp.Regexp
	names    []string
	params   int
}

// New loads the embedded description twice (as published for requests, strict for responses).
func New() (*Checker, error) {
	load := func() (*openapi3.T, error) {
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(spec)
		if err != nil {
			return nil, fmt.Errorf("loading the OpenAPI description: %w", err)
		}
		// No doc.Validate: the extract drops descriptions, which OpenAPI requires of responses.
		return doc, nil
	}
	req, err := load()
	if err != nil {
		return nil, err
	}
	resp, err := load()
	if err != nil {
		return nil, err
	}
	widen(req)
	strict(resp)
	c := &Checker{requests: req, responses: resp}
	for path, item := range req.Paths.Map() {
		names := []string{}
		var b strings.Builder
		b.WriteString("^")
		for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
			b.WriteString("/")
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				names = append(names, seg[1:len(seg)-1])
				b.WriteString("([^/]+)")
				continue
			}
			b.WriteString(regexp.QuoteMeta(seg))
		}
		b.WriteString("$")
		re := regexp.MustCompile(b.String())
		for method := range item.Operations() {
			c.ops = append(c.ops, operation{method: method, template: path, re: re, names: names, params: len(names)})
		}
	}
	// Static paths win over templated ones.
	slices.SortFunc(c.ops, func(a, b operation) int { return a.params - b.params })
	return c, nil
}

// smsLocales are the SMS and WhatsApp OTP locales the SDKs enumerate (stytch-go
// otp/sms/types.go and otp/whatsapp/types.go; stytch@14.2.0 types/lib/b2c/otps_sms.d.ts) beyond the
// four of the description's shared OTP locale enum.
func smsLocales() []any {
	return []any{"it", "de-DE", "zh-Hans", "ca-ES", "ja", "ru", "nl", "pl", "tr", "fa", "vi", "cs"}
}

// widen is the one place where requests the description refuses are accepted, because Stytch's
// own SDKs, generated from a newer description, send them: the SMS/WhatsApp locales of smsLocales
// (the extract shares one four-value locale enum among the email, SMS and WhatsApp OTP requests,
// so for requests it accepts those locales on email too; the emulator still refuses them there).
//
// The same holds for the salts of passwords/migrate's MD5, SHA-1 and SHA-512 configs: the
// description requires both prepend_salt and append_salt, but stytch-go sends neither when it is
// empty (passwords/types.go: `json:"prepend_salt,omitempty"`), so a hash salted on one side only
// arrives with one of them.
func widen(doc *openapi3.T) {
	for _, name := range []string{"api_otp_v1_LoginOrCreateRequestLocale", "api_otp_v1_SendRequestLocale"} {
		if r := doc.Components.Schemas[name]; r != nil && r.Value != nil && len(r.Value.Enum) > 0 {
			r.Value.Enum = append(r.Value.Enum, smsLocales()...)
		}
	}
	for _, name := range []string{"api_password_v1_MD5Config", "api_password_v1_SHA1Config", "api_password_v1_SHA512Config"} {
		if r := doc.Components.Schemas[name]; r != nil && r.Value != nil {
			r.Value.Required = nil
		}
	}
}

// strict makes every object schema of doc refuse undeclared properties and makes the properties
// of AllowedNulls nullable.
func strict(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for name, p := range s.Properties {
			if p == nil || p.Value == nil {
				continue
			}
			walk(p.Value)
			if slices.Contains(AllowedNulls(), name) && !p.Value.Nullable {
				v := *p.Value
				v.Nullable = true
				s.Properties[name] = &openapi3.SchemaRef{Value: &v}
			}
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
		if s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema.Value)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range group {
				walk(r.Value)
			}
		}
	}
	for _, r := range doc.Components.Schemas {
		walk(r.Value)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, rr := range op.Responses.Map() {
				if rr.Value == nil {
					continue
				}
				for _, mt := range rr.Value.Content {
					if mt.Schema != nil {
						walk(mt.Schema.Value)
					}
				}
			}
		}
	}
}

// find returns the operation of a method and path, with its path parameters.
func (c *Checker) find(method, path string) (*operation, map[string]string) {
	for i := range c.ops {
		op := &c.ops[i]
		if op.method != method {
			continue
		}
		m := op.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		params := map[string]string{}
		for j, n := range op.names {
			params[n] = m[j+1]
		}
		return op, params
	}
	return nil, nil
}

// route builds the kin-openapi route of an operation in doc.
func route(doc *openapi3.T, op *operation) *routers.Route {
	item := doc.Paths.Value(op.template)
	return &routers.Route{Spec: doc, Path: op.template, PathItem: item, Method: op.method, Operation: item.GetOperation(op.method)}
}

// Check judges one exchange: the request (with its body, which may be nil) and the answer. It
// returns nil when the exchange conforms, else an error naming every problem found.
func (c *Checker) Check(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	path := "/" + strings.TrimLeft(req.URL.Path, "/")
	where := req.Method + " " + path
	if status >= 400 {
		if err := ErrorShape(status, header, respBody); err != nil {
			return fmt.Errorf("%s answered %d: %w", where, status, err)
		}
	}
	if strings.HasPrefix(path, "/emulator/") {
		return nil // the emulator's own control API is not Stytch's
	}
	op, params := c.find(req.Method, path)
	if op == nil {
		if status < 400 {
			return fmt.Errorf("%s answered %d, but the OpenAPI description has no such operation", where, status)
		}
		return nil
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: cloneRequest(req, reqBody), PathParams: params, Route: route(c.requests, op), Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && status < 400 {
		return fmt.Errorf("%s answered %d to a request the OpenAPI description refuses: %w", where, status, err)
	}
	if status >= 400 {
		return nil
	}
	// Stytch answers 201 to users.create (Stytch's Ruby integration test) where the description
	// declares only 200: a 2xx is checked against the 200 schema.
	respIn := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: cloneRequest(req, reqBody), PathParams: params, Route: route(c.responses, op), Options: opts},
		Status:                 http.StatusOK,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	respIn.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), respIn); err != nil {
		return fmt.Errorf("%s answered %d with a body that does not match the OpenAPI description: %w\nbody: %s", where, status, err, truncate(respBody))
	}
	return nil
}

// cloneRequest returns a copy of req carrying body, for the validator to read.
func cloneRequest(req *http.Request, body []byte) *http.Request {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	return r
}

// ErrorShape checks a Stytch error body: JSON, exactly the keys of Stytch's error (error_details
// optional), status_code equal to the HTTP status, a request-id-test-<uuid>, a snake_case
// error_type, a non-empty error_message and an error_url on stytch.com/docs.
func ErrorShape(status int, header http.Header, body []byte) error {
	var errs []error
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		errs = append(errs, fmt.Errorf("Content-Type %q is not application/json", ct))
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return errors.Join(append(errs, fmt.Errorf("the error body is not a JSON object: %w: %s", err, truncate(body)))...)
	}
	for k := range m {
		if !slices.Contains(errorKeys, k) {
			errs = append(errs, fmt.Errorf("the error body has the undeclared key %q", k))
		}
	}
	if sc, ok := m["status_code"].(float64); !ok || int(sc) != status {
		errs = append(errs, fmt.Errorf("status_code %v is not the HTTP status %d", m["status_code"], status))
	}
	if id, _ := m["request_id"].(string); !requestIDPattern.MatchString(id) {
		errs = append(errs, fmt.Errorf("request_id %v is not request-id-test-<uuid>", m["request_id"]))
	}
	if et, _ := m["error_type"].(string); !errorTypePattern.MatchString(et) {
		errs = append(errs, fmt.Errorf("error_type %v is not a snake_case string", m["error_type"]))
	}
	if msg, _ := m["error_message"].(string); msg == "" {
		errs = append(errs, fmt.Errorf("error_message %v is empty or not a string", m["error_message"]))
	}
	if u, _ := m["error_url"].(string); !strings.HasPrefix(u, "https://stytch.com/docs/") {
		errs = append(errs, fmt.Errorf("error_url %v is not a stytch.com/docs URL", m["error_url"]))
	}
	if d, ok := m["error_details"]; ok {
		if _, isObj := d.(map[string]any); !isObj {
			errs = append(errs, fmt.Errorf("error_details %v is not an object", d))
		}
	}
	return errors.Join(errs...)
}

func truncate(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// Transport returns an http.RoundTripper that sends every request through inner and checks the
// exchange, handing each violation to report (which must be safe for concurrent use). The caller
// still gets the answer unchanged.
func (c *Checker) Transport(inner http.RoundTripper, report func(error)) http.RoundTripper {
	return roundTripper{c: c, inner: inner, report: report}
}

type roundTripper struct {
	c      *Checker
	inner  http.RoundTripper
	report func(error)
}

// RoundTrip implements http.RoundTripper.
func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	var reqBody []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := rt.inner.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if cerr := rt.c.Check(r, reqBody, resp.StatusCode, resp.Header, b); cerr != nil {
		rt.report(cerr)
	}
	return resp, nil
}
