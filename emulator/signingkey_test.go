package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// jwk is the part of a served JWK that identifies the key.
type jwk struct {
	Kid string `json:"kid"`
	N   string `json:"n"`
}

// servedJWK returns the one key an emulator's JWKS publishes.
func servedJWK(t *testing.T, e *emulator.Emulator) jwk {
	t.Helper()
	status, body := serve(e, "GET", "/v1/sessions/jwks/"+emulator.DefaultProjectID, nil, nil)
	require.Equal(t, 200, status, "%s", body)
	var resp struct{ Keys []jwk }
	require.NoError(t, json.Unmarshal(body, &resp))
	require.Len(t, resp.Keys, 1)
	return resp.Keys[0]
}

// TestSigningKeyPerProcess: emulators given no key share one key generated in this process (kid
// jwk-test-<uuid>), so tokens of one verify against another's JWKS; WithSigningKey replaces it
// with the given key, under the given kid or one derived from the key.
func TestSigningKeyPerProcess(t *testing.T) {
	a, b := servedJWK(t, emulator.New()), servedJWK(t, emulator.New())
	require.Equal(t, a, b, "one key per process, not per emulator")
	require.Regexp(t, `^jwk-test-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, a.Kid)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	wantN := base64.RawURLEncoding.EncodeToString(key.N.Bytes())

	own := servedJWK(t, emulator.New(emulator.WithSigningKey(pemKey, "")))
	require.Equal(t, wantN, own.N)
	require.NotEqual(t, a.Kid, own.Kid)
	require.Regexp(t, `^jwk-test-`+uuidSuffix, own.Kid)
	require.Equal(t, own, servedJWK(t, emulator.New(emulator.WithSigningKey(pemKey, ""))), "the derived kid is stable")

	named := servedJWK(t, emulator.New(emulator.WithSigningKey(pemKey, "jwk-test-mine")))
	require.Equal(t, jwk{Kid: "jwk-test-mine", N: wantN}, named)
}
