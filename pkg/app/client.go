package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxBody bounds how much of an answer the client reads.
const maxBody = 1 << 20

// defaultTimeout bounds each request of a Client on an app over HTTP.
const defaultTimeout = 30 * time.Second

// Vars are the test user's values a route's template may use.
type Vars struct {
	Email, Password, Phone, Code, TOTPCode string
	// Token is the magic link's token.
	Token string
}

// Kind is how the app answered a page or an action, as the contract's Answers recognise it.
type Kind string

// The kinds of answers.
const (
	Allowed          Kind = "allowed"
	Unauthenticated  Kind = "unauthenticated"
	NeedsFactor      Kind = "needs_factor"
	NeedsFreshFactor Kind = "needs_fresh_factor"
	// Other is an answer none of the contract's Answers recognises.
	Other Kind = "other"
)

// Response is the app's answer to one request.
type Response struct {
	// Route is the route requested.
	Route RouteName
	// Request is "METHOD /path", for messages.
	Request string
	// Status is the HTTP status.
	Status int
	// Location is the Location header of a redirect ("" for other answers).
	Location string
	// Body is the answer's body (at most 1 MiB).
	Body []byte
	// Kind is how the contract's Answers classify the answer.
	Kind Kind
	// Secret is the TOTP secret a register_totp answer carried ("" for other routes).
	Secret string

	leadsTo       string // where a redirect leads on the app: its path and query, normalised ("" if elsewhere)
	refusedAnswer bool   // the contract's refused answer describes it
}

// OK reports whether the app accepted the request: a 2xx or 3xx status that is not the contract's
// refused answer.
func (r *Response) OK() bool { return okStatus(r.Status) && !r.refusedAnswer }

// Refused reports whether the app turned the request down: a 4xx status, or the contract's
// refused answer.
func (r *Response) Refused() bool { return (r.Status >= 400 && r.Status <= 499) || r.refusedAnswer }

// String describes the answer: "GET /account: 403 {"error":"missing_factor",...}", or for a
// redirect "POST /login: 302 -> /login?error=invalid".
func (r *Response) String() string {
	if r.Location != "" {
		return fmt.Sprintf("%s: %d -> %s", r.Request, r.Status, r.Location)
	}
	body := strings.TrimSpace(string(r.Body))
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	return fmt.Sprintf("%s: %d %s", r.Request, r.Status, body)
}

// Client drives one app for one test user: it makes the contract's requests and carries the
// session the app hands out, as a browser would. It is not safe for concurrent use; each scenario
// has its own.
type Client struct {
	contract *Contract
	base     string
	hc       *http.Client
	cookies  map[string]string // every cookie the app set, by name (the session cookie among them)
	token    string            // with a header session: the credential the app handed out
}

// NewClient returns a client of the app at baseURL (http://host:port), reached over HTTP.
func NewClient(c *Contract, baseURL string) *Client {
	return &Client{contract: c, base: strings.TrimSuffix(baseURL, "/"), cookies: map[string]string{}, hc: &http.Client{
		Timeout: defaultTimeout,
		// The app's redirects are answers to judge, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// NewInProcessClient returns a client of the app served by h in the same process, with no socket.
func NewInProcessClient(c *Contract, h http.Handler) *Client {
	return &Client{contract: c, base: "http://app.invalid", cookies: map[string]string{}, hc: &http.Client{
		Transport:     handlerTransport{h},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Contract returns the client's contract.
func (c *Client) Contract() *Contract { return c.contract }

// Do makes the named request with v filled into its template and returns the app's answer; an
// error means the request could not be made or answered (a contract without the route, a network
// error), not that the app said no.
func (c *Client) Do(ctx context.Context, name RouteName, v Vars) (*Response, error) {
	r := c.contract.Route(name)
	if r == nil {
		return nil, fmt.Errorf("the app contract has no %s route", name)
	}
	req, err := c.request(ctx, r, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", name, r.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s: read the answer: %w", name, err)
	}
	c.keepSession(resp, body)
	out := &Response{Route: name, Request: r.Method + " " + req.URL.Path, Status: resp.StatusCode, Body: body}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		out.Location = resp.Header.Get("Location")
		out.leadsTo = onApp(req.URL, out.Location)
	}
	out.Kind = c.contract.classify(out)
	out.refusedAnswer = c.contract.Answers.Refused != nil && c.contract.Answers.Refused.matches(out)
	if r.SecretField != "" {
		out.Secret, _ = jsonField(body, r.SecretField)
	}
	return out, nil
}

// request builds the HTTP request of route r, carrying the session.
func (c *Client) request(ctx context.Context, r *Route, v Vars) (*http.Request, error) {
	form := r.ContentType == formType
	path := fillPath(r.Path, v)
	var body io.Reader
	if r.Body != "" {
		esc := jsonEscape
		if form {
			esc = url.QueryEscape
		}
		body = strings.NewReader(fill(r.Body, v, esc))
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json")
	for _, name := range slices.Sorted(maps.Keys(c.cookies)) {
		req.AddCookie(&http.Cookie{Name: name, Value: c.cookies[name]})
	}
	if s := c.contract.Session; s.Header != "" && c.token != "" {
		val := c.token
		if s.Scheme != "" {
			val = s.Scheme + " " + val
		}
		req.Header.Set(s.Header, val)
	}
	return req, nil
}

// keepSession keeps what an answer hands out, as a browser would: every cookie it sets (dropped
// when it expires them; Domain, Path and Secure are ignored), and with a header session the token
// field of a JSON answer.
func (c *Client) keepSession(resp *http.Response, body []byte) {
	for _, ck := range resp.Cookies() {
		if ck.Value == "" || ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Unix(1, 0))) {
			delete(c.cookies, ck.Name)
		} else if len(c.cookies) < maxCookies || c.cookies[ck.Name] != "" {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if s := c.contract.Session; s.Header != "" {
		if v, ok := jsonField(body, s.TokenField); ok && v != "" {
			c.token = v
		}
	}
}

// maxCookies bounds how many cookies a client keeps.
const maxCookies = 50

// classify says which of the contract's Answers an answer is.
func (c *Contract) classify(r *Response) Kind {
	// The most specific first: an answer that matches a field or a location wins over a
	// status-only one, and of two whose locations both match, the longer location wins.
	kinds := c.pageAnswers()
	best, bestLen := Other, -1
	for _, a := range slices.Backward(kinds) { // needs_fresh_factor first
		if a.answer != nil && !a.answer.statusOnly() && len(a.answer.Location) > bestLen && a.answer.matches(r) {
			best, bestLen = a.kind, len(a.answer.Location)
		}
	}
	if best != Other {
		return best
	}
	for _, a := range kinds {
		if a.answer != nil && a.answer.statusOnly() && a.answer.matches(r) {
			return a.kind
		}
	}
	return Other
}

// statusOnly reports whether the status alone decides the answer.
func (a *Answer) statusOnly() bool { return a.Field == "" && a.Location == "" }

// matches reports whether an answer is this one.
func (a *Answer) matches(r *Response) bool {
	switch {
	case r.Status != a.Status:
		return false
	case a.Field != "":
		v, ok := jsonField(r.Body, a.Field)
		return ok && v == a.Equals
	case a.Location != "":
		return leadsTo(r.leadsTo, normalise(a.Location))
	}
	return true
}

// onApp returns where a redirect from the request at from leads on the app, as a browser reads
// its Location: resolved against from, its path and query normalised; "" if it leads to another
// host or cannot be read.
func onApp(from *url.URL, location string) string {
	if location == "" {
		return ""
	}
	u, err := from.Parse(location)
	if err != nil || !strings.EqualFold(u.Host, from.Host) {
		return ""
	}
	got := u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		got += "?" + u.RawQuery
	}
	return normalise(got)
}

// leadsTo reports whether got, the normalised path and query a redirect leads to on the app,
// begins with want, up to a "/", "?", "&" or "=" or the end.
func leadsTo(got, want string) bool {
	rest, ok := strings.CutPrefix(got, want)
	return ok && got != "" && (rest == "" || strings.ContainsRune("/?&=", rune(rest[0])) || strings.ContainsRune("/?&=", rune(want[len(want)-1])))
}

// normalise writes a path and query in one way of the equivalent ones (RFC 3986, section 6.2.2):
// a percent-encoded unreserved character is the character, and other percent-encodings are upper
// case.
func normalise(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			c := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(c) {
				b.WriteByte(c)
			} else {
				b.WriteString(strings.ToUpper(s[i : i+3]))
			}
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ishex reports whether c is a hexadecimal digit.
func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex is the value of the hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// unreserved reports whether c is an unreserved character of a URL (RFC 3986, section 2.3).
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

// jsonField returns a top-level field of a JSON object as text.
func jsonField(body []byte, field string) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", false
	}
	raw, ok := m[field]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return string(bytes.TrimSpace(raw)), true
}

// fill replaces the template's {{name}}s by v's values, escaped by esc.
func fill(tmpl string, v Vars, esc func(string) string) string {
	return templateVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		switch templateVar.FindStringSubmatch(m)[1] {
		case "email":
			return esc(v.Email)
		case "password":
			return esc(v.Password)
		case "phone":
			return esc(v.Phone)
		case "code":
			return esc(v.Code)
		case "totp_code":
			return esc(v.TOTPCode)
		case "token":
			return esc(v.Token)
		}
		return m
	})
}

// fillPath fills a route's path: its values path-escaped before the query, URL-encoded in it.
func fillPath(tmpl string, v Vars) string {
	path, query, ok := strings.Cut(tmpl, "?")
	path = fill(path, v, url.PathEscape)
	if !ok {
		return path
	}
	return path + "?" + fill(query, v, url.QueryEscape)
}

// jsonEscape escapes s for use inside a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Check makes each route's request without a body or a session, and fails naming the first route
// the app does not serve: a 404 (a wrong path) or a 405 (a wrong method). It is how a contract
// that does not match the app fails before any scenario runs. The app should answer each such
// request with a refusal (400 or 401, or a server-rendered app's redirect) and change nothing.
func (c *Client) Check(ctx context.Context) error {
	for _, nr := range c.contract.routes() {
		name, r := nr.name, nr.route
		if r == nil {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, r.Method, c.base+fillPath(r.Path, Vars{}), nil)
		if err != nil {
			return fmt.Errorf("routes.%s: %w", name, err)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return fmt.Errorf("the app at %s is unreachable: %w", c.base, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("routes.%s.path: the app at %s answers 404 to %s %s", name, c.base, r.Method, r.Path)
		case http.StatusMethodNotAllowed:
			return fmt.Errorf("routes.%s.method: the app at %s answers 405 to %s %s", name, c.base, r.Method, r.Path)
		}
	}
	return nil
}

// handlerTransport serves requests with an in-process handler.
type handlerTransport struct{ h http.Handler }

// RoundTrip serves r with the handler, as a server would see it.
func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "192.0.2.1:1234"
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, in)
	return w.Result(), nil
}
