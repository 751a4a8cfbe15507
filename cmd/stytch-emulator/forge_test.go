package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

// forgedSessionJWT mints, with the private key published in the repository, a session JWT that
// claims a password + SMS session of a made-up user in project pid: what anyone with the source
// could send to an app that verifies session JWTs locally.
func forgedSessionJWT(t *testing.T, pid string) (token, sessionID string) {
	t.Helper()
	var key *rsa.PrivateKey
	for rest := []byte(publishedKeyPEM); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		require.NotNil(t, block, "the published PEM has a private key")
		if block.Type == "PRIVATE KEY" || block.Type == "RSA PRIVATE KEY" {
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
			}
			require.NoError(t, err)
			key = k.(*rsa.PrivateKey)
			break
		}
	}
	now := time.Now().UTC()
	stamp := now.Format(time.RFC3339)
	sessionID = "session-test-" + uuid.NewString()
	claims := jwt.MapClaims{
		"iss": "stytch.com/" + pid, "aud": []string{pid}, "sub": "user-test-" + uuid.NewString(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"https://stytch.com/session": map[string]any{
			"id": sessionID, "started_at": stamp, "last_accessed_at": stamp,
			"expires_at": now.Add(time.Hour).Format(time.RFC3339), "attributes": map[string]any{"ip_address": "", "user_agent": ""},
			"authentication_factors": []map[string]any{
				{"type": "password", "delivery_method": "knowledge", "last_authenticated_at": stamp},
				{"type": "otp", "delivery_method": "sms", "last_authenticated_at": stamp, "phone_number_factor": map[string]any{"phone_id": "phone-number-test-" + uuid.NewString(), "phone_number": "+15555550100"}},
			},
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = publishedKeyID
	signed, err := tok.SignedString(key)
	require.NoError(t, err)
	return signed, sessionID
}

// TestNoForgeableSessionJWTs: a session JWT signed with the key published in the repository is
// refused by stytch-go's local verification against a default emulator's JWKS; only an emulator
// started with --insecure-published-key accepts it (which shows the forgery is otherwise sound).
func TestNoForgeableSessionJWTs(t *testing.T) {
	const pid, secret = "project-test-00000000-0000-4000-8000-000000000000", "secret-test-emulator"
	forged, sessionID := forgedSessionJWT(t, pid)

	verify := func(base string) error {
		c, err := stytchapi.NewClient(pid, secret, stytchapi.WithBaseURI(base))
		require.NoError(t, err)
		s, err := c.Sessions.AuthenticateJWTLocal(forged, time.Minute)
		if err == nil {
			require.Equal(t, sessionID, s.SessionID)
		}
		return err
	}

	base, _ := startWith(t, "--data-dir", t.TempDir())
	require.Error(t, verify(base), "the default emulator's JWKS does not vouch for a forged JWT")

	insecure, stderr := startWith(t, "--data-dir", t.TempDir(), "--insecure-published-key")
	require.NoError(t, verify(insecure), "with the published key, anyone can mint sessions")
	require.Contains(t, stderr.String(), "Anyone can forge a session JWT")
}
