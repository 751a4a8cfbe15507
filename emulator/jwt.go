package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtLifetime is a session JWT's fixed lifetime (exp = iat + 300), whatever the session's length.
const jwtLifetime = 5 * time.Minute

// stytchSessionClaim is the claim that carries the session in a session JWT.
const stytchSessionClaim = "https://stytch.com/session"

// signingKeyBits is the size of a generated signing key (NewSigningKeyPEM).
const signingKeyBits = 2048

// processKey is the signing key of every emulator of this process that was given no key with
// WithSigningKey: an RSA key generated from crypto/rand on first use, then shared.
//
// It is the package's one piece of package-level state, and it is immutable once computed: a
// lazily initialised constant. Generating a 2048-bit RSA key costs 50 ms or more, so a test binary
// that creates hundreds of emulators generates it once rather than per emulator; no key is
// published in the source, so nobody else can mint session JWTs that verify against it.
var processKey = sync.OnceValues(func() (*signer, error) {
	pemBytes, err := NewSigningKeyPEM()
	if err != nil {
		return nil, err
	}
	return parseSigner(pemBytes, "")
})

// NewSigningKeyPEM generates a session-JWT signing key as WithSigningKey takes it: a 2048-bit RSA
// key from crypto/rand (PKCS#8) followed by a self-signed certificate for it, which the JWKS
// publishes in x5c as Stytch's does. Keep it to sign with the same key across runs.
func NewSigningKeyPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	cert, err := selfSigned(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})...), nil
}

// selfSigned returns a DER self-signed certificate for key, for the JWK's x5c.
func selfSigned(key *rsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "stytch-emulator signing key"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-sign signing key: %w", err)
	}
	return cert, nil
}

// signer signs session JWTs and publishes the matching JWK.
type signer struct {
	key *rsa.PrivateKey
	kid string
	jwk map[string]any // the public JWK as served by /v1/sessions/jwks
	// jwksKeys is the "keys" array of the JWKS response, encoded once.
	jwksKeys json.RawMessage
	cert     []byte // DER certificate for x5c, when the PEM carries one
}

// parseSigner reads an RSA private key (PKCS#1 or PKCS#8) and an optional certificate from PEM.
func parseSigner(pemBytes []byte, kid string) (*signer, error) {
	s := &signer{}
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse signing key: %w", err)
			}
			s.key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse signing key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("signing key is not an RSA key")
			}
			s.key = rk
		case "CERTIFICATE":
			s.cert = block.Bytes
		}
	}
	if s.key == nil {
		return nil, errors.New("no RSA private key in PEM")
	}
	if s.cert == nil {
		// Stytch's JWKS always carries x5c (its published OpenAPI description requires it): a key
		// given without its certificate gets a self-signed one.
		cert, err := selfSigned(s.key)
		if err != nil {
			return nil, err
		}
		s.cert = cert
	}
	return newSigner(s.key, s.cert, kid), nil
}

// newSigner builds a signer for key; cert (DER, optional) is published in x5c, and an empty kid is
// derived from the public key.
func newSigner(key *rsa.PrivateKey, cert []byte, kid string) *signer {
	s := &signer{key: key, kid: kid, cert: cert}
	if s.kid == "" {
		sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&s.key.PublicKey))
		// Shaped as a version-4 UUID, like Stytch's kids.
		sum[6] = sum[6]&0x0f | 0x40
		sum[8] = sum[8]&0x3f | 0x80
		s.kid = prefixJWK + fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	}
	s.jwk = map[string]any{
		"alg":     "RS256",
		"e":       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.key.E)).Bytes()),
		"key_ops": []string{"verify"},
		"kid":     s.kid,
		"kty":     "RSA",
		"n":       base64.RawURLEncoding.EncodeToString(s.key.N.Bytes()),
		"use":     "sig",
	}
	if s.cert != nil {
		sum := sha256.Sum256(s.cert)
		s.jwk["x5c"] = []string{base64.StdEncoding.EncodeToString(s.cert)}
		s.jwk["x5tS256"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	keys, err := json.Marshal([]map[string]any{s.jwk})
	if err != nil { // a map of strings always encodes
		panic(fmt.Sprintf("emulator: encode JWKS: %v", err))
	}
	s.jwksKeys = keys
	return s
}

// sessionJWT mints the session JWT (claims as in Stytch's session-JWT docs and stytch-go's shared/jwt.go) for a session snapshot at now.
func (s *signer) sessionJWT(projectID string, sess *wireSession, now time.Time) (string, error) {
	claims := jwt.MapClaims{}
	for k, v := range sess.CustomClaims {
		claims[k] = v
	}
	factors := make([]wireFactor, len(sess.AuthenticationFactors))
	for i, f := range sess.AuthenticationFactors {
		f.CreatedAt, f.UpdatedAt = "", ""
		factors[i] = f
	}
	iat := now.Truncate(time.Second)
	claims["aud"] = []string{projectID}
	claims["iss"] = "stytch.com/" + projectID
	claims["sub"] = sess.UserID
	claims["iat"] = iat.Unix()
	claims["nbf"] = iat.Unix()
	claims["exp"] = iat.Add(jwtLifetime).Unix()
	claims[stytchSessionClaim] = map[string]any{
		"id":                     sess.SessionID,
		"started_at":             sess.StartedAt,
		"last_accessed_at":       sess.LastAccessedAt,
		"expires_at":             sess.ExpiresAt,
		"attributes":             sess.Attributes,
		"authentication_factors": factors,
		"roles":                  sess.Roles,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = s.kid
	out, err := tok.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign session jwt: %w", err)
	}
	return out, nil
}

// jwtSession is what the emulator needs from a presented session JWT.
type jwtSession struct {
	sessionID string
	userID    string
}

// parseSessionJWT verifies a session JWT presented to the API: RS256 only (alg "none" and HMAC are
// refused), signed by this emulator's key, issued for projectID. An exp in the past is accepted,
// as the real sessions/authenticate does when the session itself is still alive; the session's own
// state decides.
func (s *signer) parseSessionJWT(projectID, token string) (jwtSession, error) {
	var claims struct {
		jwt.RegisteredClaims
		Session struct {
			ID string `json:"id"`
		} `json:"https://stytch.com/session"`
	}
	// Time claims are not checked here: the SDKs check exp against the host clock, while the
	// emulator's clock is virtual, and the real API accepts an expired JWT of a live session.
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation())
	if _, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.kid {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return &s.key.PublicKey, nil
	}); err != nil {
		return jwtSession{}, err
	}
	if claims.Issuer != "stytch.com/"+projectID || !slices.Contains(claims.Audience, projectID) {
		return jwtSession{}, errors.New("jwt was issued for another project")
	}
	if claims.Session.ID == "" || !strings.HasPrefix(claims.Subject, prefixUser) {
		return jwtSession{}, errors.New("jwt carries no stytch session")
	}
	return jwtSession{sessionID: claims.Session.ID, userID: claims.Subject}, nil
}
