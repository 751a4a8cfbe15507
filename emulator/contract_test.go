package emulator_test

// The OpenAPI contract under the whole suite: every request a test of this package sends through
// the SDK harness (H, its capturing transport) or through serve, and every answer the emulator
// gives, is checked against Stytch's published OpenAPI description by internal/contract. A
// violation fails the test that caused it (H) or, for serve, the package run (TestMain), naming
// the request.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/stytch-emulator/stytchemu/internal/contract"
)

// contractChecker parses the description once per test binary.
var contractChecker = sync.OnceValues(contract.New)

// serveViolations collects the violations of exchanges made through serve, which has no
// *testing.T; TestMain fails the run when it is not empty.
var serveViolations struct {
	sync.Mutex
	errs []error
}

// checkContract checks one exchange against the description.
func checkContract(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	c, err := contractChecker()
	if err != nil {
		return fmt.Errorf("loading the OpenAPI description: %w", err)
	}
	return c.Check(r, reqBody, status, header, body)
}

// recordContract checks an exchange made through serve and keeps any violation for TestMain.
func recordContract(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	if err := checkContract(r, reqBody, status, header, body); err != nil {
		serveViolations.Lock()
		serveViolations.errs = append(serveViolations.errs, err)
		serveViolations.Unlock()
	}
}

// readRequestBody reads r's body and returns it with a copy of r that still carries it.
func readRequestBody(r *http.Request) ([]byte, *http.Request, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, r, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, r, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	serveViolations.Lock()
	errs := serveViolations.errs
	serveViolations.Unlock()
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "OpenAPI contract: %v\n", err)
	}
	if code == 0 && len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d exchange(s) made through serve broke the OpenAPI contract\n", len(errs))
		code = 1
	}
	os.Exit(code)
}
