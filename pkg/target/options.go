package target

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Environment variables read for the sandbox credentials.
const (
	EnvProjectID = "STYTCH_PROJECT_ID"
	EnvSecret    = "STYTCH_SECRET"
	// EnvBaseURL, for testing only, points sandbox targets at another Stytch-compatible base URL,
	// such as an emulator's (as WithBaseURL does). stytch-conform and pkg/harness read it; this
	// package does not.
	EnvBaseURL = "STYTCH_BASE_URL"
)

// SandboxURL is the base URL of Stytch's test environment, the default of sandbox targets.
const SandboxURL = "https://test.stytch.com"

// DefaultIdentityPrefix starts the local part of every identity's email address
// (stytch-conform+<random>@example.com); Sweep finds leftovers by it.
const DefaultIdentityPrefix = "stytch-conform"

// defaultHTTPTimeout bounds each request of the clients a target makes itself.
const defaultHTTPTimeout = 30 * time.Second

// Credentials are a Stytch project's API credentials. The zero value is no project.
type Credentials struct {
	// ProjectID is the project_id, e.g. project-test-<uuid>.
	ProjectID string
	// Secret is the project's secret.
	Secret string
}

// NewTestCredentials returns credentials for a fresh emulator project: project-test-<uuid> and a
// random secret-test-... secret. An emulator with auto-provisioning creates the project on first use.
func NewTestCredentials() Credentials {
	return Credentials{ProjectID: "project-test-" + uuid.NewString(), Secret: "secret-test-" + strings.ToLower(rand.Text())}
}

// CredentialsFromEnv reads STYTCH_PROJECT_ID and STYTCH_SECRET through getenv (os.Getenv when
// nil). It fails, naming the variables, when either is empty.
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Credentials{ProjectID: getenv(EnvProjectID), Secret: getenv(EnvSecret)}
	var missing []string
	if c.ProjectID == "" {
		missing = append(missing, EnvProjectID)
	}
	if c.Secret == "" {
		missing = append(missing, EnvSecret)
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("the sandbox target needs %s set to a Stytch test project's credentials", strings.Join(missing, " and "))
	}
	return c, nil
}

// errLiveProject is wrapped by checkTestProject for project-live- ids.
var errLiveProject = errors.New("refusing a live project")

// checkTestProject refuses credentials that are not those of a Stytch test project. The suite
// creates and deletes users and sends OTPs, so it must never run against a live project.
func (c Credentials) checkTestProject() error {
	switch {
	case strings.HasPrefix(c.ProjectID, "project-live-"):
		return fmt.Errorf("%w: %s is a live project; the conformance suite creates and deletes users and sends codes, so it runs only against a test project (project-test-...)", errLiveProject, c.ProjectID)
	case !strings.HasPrefix(c.ProjectID, "project-test-"):
		return fmt.Errorf("project_id %q is not a Stytch test project id (project-test-...)", c.ProjectID)
	case c.Secret == "":
		return fmt.Errorf("project %s has an empty secret", c.ProjectID)
	}
	return nil
}

// Option configures the targets and openers of this package. Each option says which constructors
// use it; the others ignore it.
type Option func(*options)

type options struct {
	logf       func(format string, args ...any)
	httpClient *http.Client
	prefix     string
	baseURL    string
	creds      *Credentials
	getenv     func(string) string
	ids        *identities // one per opener, shared by its targets
	wrap       func(http.RoundTripper) http.RoundTripper
	oneProject bool
}

// newOptions applies opts over the defaults.
func newOptions(opts []Option) options {
	o := options{logf: log.Printf, prefix: DefaultIdentityPrefix, getenv: os.Getenv}
	for _, opt := range opts {
		opt(&o)
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if o.ids == nil {
		o.ids = newIdentities(o.prefix)
	}
	return o
}

// WithLogger routes the package's log lines (such as the fallback to a shared project) to logf;
// nil means log.Printf. Used by every constructor.
func WithLogger(logf func(format string, args ...any)) Option {
	return func(o *options) {
		if logf != nil {
			o.logf = logf
		}
	}
}

// WithHTTPClient sets the HTTP client of the URL and sandbox targets (stytch-go and the control
// client). Nil means a client with a 30-second timeout, shared by the targets of one opener.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithTransport wraps the transport of every target's stytch-go client with wrap, for instance
// to record or log the Stytch calls (drift.Recorder.Wrap). It is given the transport the client
// would use otherwise: the emulator's in-memory transport for in-process targets; for URL and
// sandbox targets the transport of the WithHTTPClient client, or http.DefaultTransport when that
// client has none. The wrapped client is a copy, so the WithHTTPClient client is not modified. The
// stytch-go client's background JWKS fetches go through it too; the control API calls of emulator
// targets (ControlClient) do not. Nil means no wrapping. Used by every constructor.
func WithTransport(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(o *options) { o.wrap = wrap }
}

// wrapClient returns hc with its transport wrapped by wrap: a copy of hc, or hc itself when wrap
// is nil.
func wrapClient(hc *http.Client, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	if wrap == nil {
		return hc
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := *hc
	c.Transport = wrap(rt)
	return &c
}

// WithIdentityPrefix sets the start of identities' email local parts (empty means
// DefaultIdentityPrefix). Used by every constructor.
func WithIdentityPrefix(prefix string) Option {
	return func(o *options) {
		if prefix != "" {
			o.prefix = prefix
		}
	}
}

// WithBaseURL points a sandbox target at another Stytch-compatible base URL than SandboxURL, such
// as a running emulator: that runs exactly the sandbox code path (no control API). Empty means
// SandboxURL. Used by NewSandboxOpener and the "sandbox" spec.
func WithBaseURL(url string) Option {
	return func(o *options) { o.baseURL = strings.TrimSuffix(url, "/") }
}

// WithCredentials sets the project credentials. For the "sandbox" spec they replace the
// environment; for emulator openers they name the shared project to fall back on when the emulator
// does not auto-provision (default: STYTCH_PROJECT_ID / STYTCH_SECRET when both are set, else
// emulator.DefaultProjectID / DefaultSecret, the standalone emulator's defaults). An emulator URL
// opener refuses fallback credentials that are not a test project's (project-test-...), since they
// go over the network.
func WithCredentials(c Credentials) Option { return func(o *options) { o.creds = &c } }

// WithOneProject makes an emulator opener put every target on one project, the one
// WithCredentials names (else STYTCH_PROJECT_ID / STYTCH_SECRET, else the emulator's defaults),
// emptied and its clock put back on real time before each target opens (the control API's
// reset). It is for an application under test that is configured with that one project. The
// targets keep every capability, so run their scenarios one at a time.
func WithOneProject() Option { return func(o *options) { o.oneProject = true } }

// WithEnv sets how environment variables are read (nil means os.Getenv). Used by NewOpener and the
// emulator openers' fallback credentials.
func WithEnv(getenv func(string) string) Option {
	return func(o *options) {
		if getenv != nil {
			o.getenv = getenv
		}
	}
}
