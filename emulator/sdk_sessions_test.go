package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

var sessionsAuthKeys = []string{"request_id", "session", "session_token", "session_jwt", "user", "status_code"}

func TestSessionsAuthenticate(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("sa")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		t0 := h.Now()

		// By token: the same token is echoed, every key present.
		h.Advance(t, 2*time.Minute)
		got, err := h.authSession(pw.SessionToken)
		require.NoError(t, err)
		_, raw := strictLast[sessions.AuthenticateResponse](t, h, 200, sessionsAuthKeys...)
		requireSessionShape(t, raw["session"].(map[string]any))
		requireUserShape(t, raw["user"].(map[string]any))
		require.Equal(t, pw.SessionToken, got.SessionToken)
		require.NotEmpty(t, got.SessionJWT)
		require.Equal(t, pw.Session.SessionID, got.Session.SessionID)
		require.Equal(t, pw.UserID, got.User.UserID)
		require.Equal(t, t0.Add(time.Hour), *got.Session.ExpiresAt, "no duration: expiry untouched")
		require.Equal(t, h.Now(), *got.Session.LastAccessedAt)
		require.Equal(t, t0, *got.Session.StartedAt)

		// By JWT.
		byJWT, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: got.SessionJWT})
		require.NoError(t, err)
		_, raw = strictLast[sessions.AuthenticateResponse](t, h, 200, sessionsAuthKeys...)
		requireSessionShape(t, raw["session"].(map[string]any))
		require.Equal(t, pw.Session.SessionID, byJWT.Session.SessionID)
		require.NotEmpty(t, byJWT.SessionJWT)

		// session_duration_minutes sets expires_at = now + N (set, not add: it may shorten it).
		h.Advance(t, 10*time.Minute)
		ext, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionDurationMinutes: 30})
		require.NoError(t, err)
		require.Equal(t, h.Now().Add(30*time.Minute), *ext.Session.ExpiresAt)
		ext, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: byJWT.SessionJWT, SessionDurationMinutes: 120})
		require.NoError(t, err)
		require.Equal(t, h.Now().Add(120*time.Minute), *ext.Session.ExpiresAt)
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionDurationMinutes: 4})
		requireAPIError(t, h, err, 400, "invalid_session_duration_minutes")

		// Custom claims: added, echoed in the JWT, deleted with null; reserved ones refused.
		cc, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{"tier": "gold", "n": 1.0}})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"tier": "gold", "n": 1.0}, cc.Session.CustomClaims)
		claims := jwtClaims(t, cc.SessionJWT)
		require.Equal(t, "gold", claims["tier"])
		cc, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{"tier": nil}})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"n": 1.0}, cc.Session.CustomClaims)
		// Reserved claims are ignored, not refused (stytch-go sessions/types.go).
		cc, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{"sub": "x", "tier": "silver"}})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"n": 1.0, "tier": "silver"}, cc.Session.CustomClaims)
		require.Equal(t, cc.Session.UserID, jwtClaims(t, cc.SessionJWT)["sub"], "the JWT's sub is still the user")
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{"https://stytch.com/x": 1}})
		requireAPIError(t, h, err, 400, "stytch_claims_in_custom_claims")

		// Argument errors.
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionJWT: byJWT.SessionJWT})
		requireAPIError(t, h, err, 400, "too_many_session_arguments")
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{})
		requireAPIError(t, h, err, 400, "no_session_arguments")
		for _, bad := range []string{"short", strings.Repeat("a", 43) + "!", strings.Repeat("b", 45)} {
			_, err = h.authSession(bad)
			requireAPIError(t, h, err, 400, "invalid_session_token")
		}
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: "not.a.jwt"})
		require.Error(t, err)
		x := h.Last(t)
		require.True(t, x.Status >= 400 && x.Status < 500, "%d", x.Status)
		requireErrorBody(t, x.Status, x.Body, "")

		// Unknown tokens.
		_, err = h.authSession(emulator.SandboxMissingSessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.authSession(strings.Repeat("Q", 44))
		requireAPIError(t, h, err, 404, "session_not_found")

		// Expired: past expires_at, the token and the JWT answer session_not_found.
		h.Advance(t, 121*time.Minute)
		_, err = h.authSession(pw.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: ext.SessionJWT})
		requireAPIError(t, h, err, 404, "session_not_found")
	}, fixedClock(base))
}

func TestSessionsExpiryBoundary(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("exp")
		h.newPasswordUser(t, addr)
		r, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 5})
		require.NoError(t, err)
		h.Advance(t, 5*time.Minute-time.Second)
		_, err = h.authSession(r.SessionToken)
		require.NoError(t, err, "one second before expiry")
		h.Advance(t, time.Second)
		_, err = h.authSession(r.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		// An expired session is gone from the user's list, too.
		list, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: r.UserID})
		require.NoError(t, err)
		require.Empty(t, list.Sessions)
	}, fixedClock(base))
}

func TestSessionsGet(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("sg")
		created := h.newPasswordUser(t, addr)
		_, err := h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: created.UserID, ExternalID: "sg-ext"})
		require.NoError(t, err)
		s1 := h.passwordSession(t, addr)
		s2 := h.passwordSession(t, addr)

		list, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: created.UserID})
		require.NoError(t, err)
		_, raw := strictLast[sessions.GetResponse](t, h, 200, "request_id", "sessions", "status_code")
		for _, s := range raw["sessions"].([]any) {
			requireSessionShape(t, s.(map[string]any))
		}
		var ids []string
		for _, s := range list.Sessions {
			ids = append(ids, s.SessionID)
			require.Equal(t, created.UserID, s.UserID)
		}
		require.ElementsMatch(t, []string{s1.Session.SessionID, s2.Session.SessionID}, ids)

		byExt, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: "sg-ext"})
		require.NoError(t, err)
		require.Len(t, byExt.Sessions, 2)

		// A user without sessions: an empty array.
		other := h.createUser(t, h.Email("nosess"))
		empty, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: other.UserID})
		require.NoError(t, err)
		_, raw = strictLast[sessions.GetResponse](t, h, 200, "sessions")
		require.Equal(t, []any{}, raw["sessions"])
		require.Empty(t, empty.Sessions)

		_, err = h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: "user-test-00000000-0000-4000-8000-000000000099"})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.Sessions.Get(h.Ctx, &sessions.GetParams{})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
	})
}

func TestSessionsRevoke(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rv")
		h.newPasswordUser(t, addr)
		byID, byToken, byJWT := h.passwordSession(t, addr), h.passwordSession(t, addr), h.passwordSession(t, addr)
		keep := h.passwordSession(t, addr)

		_, err := h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionID: byID.Session.SessionID})
		require.NoError(t, err)
		strictLast[sessions.RevokeResponse](t, h, 200, "request_id", "status_code")
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionToken: byToken.SessionToken})
		require.NoError(t, err)
		strictLast[sessions.RevokeResponse](t, h, 200)
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionJWT: byJWT.SessionJWT})
		require.NoError(t, err)
		strictLast[sessions.RevokeResponse](t, h, 200)

		for _, r := range []*passwords.AuthenticateResponse{byID, byToken, byJWT} {
			_, err = h.authSession(r.SessionToken)
			requireAPIError(t, h, err, 404, "session_not_found")
			_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: r.SessionJWT})
			requireAPIError(t, h, err, 404, "session_not_found")
			// AuthenticateJWT with maxTokenAge 0 always asks the API.
			_, err = h.C.Sessions.AuthenticateJWT(h.Ctx, 0, &sessions.AuthenticateParams{SessionJWT: r.SessionJWT})
			requireAPIError(t, h, err, 404, "session_not_found")
		}
		// A revoked session's JWT still verifies locally until it expires.
		_, err = h.C.Sessions.AuthenticateJWTLocal(byJWT.SessionJWT, time.Minute)
		require.NoError(t, err)
		// Other sessions are untouched.
		_, err = h.authSession(keep.SessionToken)
		require.NoError(t, err)
		list, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: keep.UserID})
		require.NoError(t, err)
		require.Len(t, list.Sessions, 1)

		// Revoking again, or something unknown.
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionID: byID.Session.SessionID})
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionToken: emulator.SandboxMissingSessionToken})
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{})
		requireAPIError(t, h, err, 400, "no_session_revoke_arguments")
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionID: keep.Session.SessionID, SessionToken: keep.SessionToken})
		requireAPIError(t, h, err, 400, "too_many_session_revoke_arguments")
		_, err = h.authSession(keep.SessionToken)
		require.NoError(t, err, "a refused revoke revokes nothing")
	})
}

func TestSessionsJWKS(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// Unauthenticated GET, as the SDK's JWKS fetcher does it.
		status, body := h.Raw(t, "GET", "/v1/sessions/jwks/"+h.PID, nil, "-")
		require.Equal(t, 200, status, "%s", body)
		m := rawObject(t, body)
		requireKeys(t, m, "", "keys", "request_id", "status_code")
		keys := m["keys"].([]any)
		require.NotEmpty(t, keys)
		for _, k := range keys {
			km := k.(map[string]any)
			requireKeys(t, km, "", "kty", "kid", "alg", "use", "n", "e")
			require.Equal(t, "RSA", km["kty"])
			require.Equal(t, "RS256", km["alg"])
			require.Equal(t, "sig", km["use"])
			require.Regexp(t, `^jwk-test-`+uuidSuffix, km["kid"])
			// Real responses carry x5tS256 (camelCase) where the SDK's struct says x5t_s256
			// (the real JWKS says x5tS256: ignore the SDK's tag); drop it before the strict decode.
			delete(km, "x5tS256")
		}
		cleaned, err := json.Marshal(m)
		require.NoError(t, err)
		strictDecode[sessions.GetJWKSResponse](t, cleaned)

		// Through the SDK.
		jwks, err := h.C.Sessions.GetJWKS(h.Ctx, &sessions.GetJWKSParams{ProjectID: h.PID})
		require.NoError(t, err)
		require.Len(t, jwks.Keys, len(keys))
		require.Equal(t, "RS256", jwks.Keys[0].Alg)

		// NewClient without WithSkipJWKSInitialization fetched the JWKS at construction; a trailing
		// slash on the base URL (JWKS URL "//v1/...") is tolerated.
		c, err := stytchapi.NewClient(h.PID, h.Secret, stytchapi.WithHTTPClient(h.HTTP), stytchapi.WithBaseURI(h.Base+"/"))
		require.NoError(t, err)
		addr := h.Email("jwks")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		_, err = c.Sessions.AuthenticateJWTLocal(pw.SessionJWT, time.Minute)
		require.NoError(t, err)
		// And with WithSkipJWKSInitialization, local verification is unavailable.
		skip, err := stytchapi.NewClient(h.PID, h.Secret, stytchapi.WithHTTPClient(h.HTTP), stytchapi.WithBaseURI(h.Base), stytchapi.WithSkipJWKSInitialization())
		require.NoError(t, err)
		_, err = skip.Sessions.AuthenticateJWTLocal(pw.SessionJWT, time.Minute)
		require.Error(t, err)
	})
}

// jwtParts decodes a JWT's header and claims without verifying it.
func jwtParts(t testing.TB, token string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

func jwtClaims(t testing.TB, token string) map[string]any { _, c := jwtParts(t, token); return c }

// jwksKey fetches the emulator's public key for a kid.
func jwksKey(t testing.TB, h *H, kid string) *rsa.PublicKey {
	t.Helper()
	jwks, err := h.C.Sessions.GetJWKS(h.Ctx, &sessions.GetJWKSParams{ProjectID: h.PID})
	require.NoError(t, err)
	for _, k := range jwks.Keys {
		if k.Kid == kid {
			n, err := base64.RawURLEncoding.DecodeString(k.N)
			require.NoError(t, err)
			e, err := base64.RawURLEncoding.DecodeString(k.E)
			require.NoError(t, err)
			return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		}
	}
	t.Fatalf("kid %s not in JWKS", kid)
	return nil
}

func TestSessionJWTClaimsAndLocalVerification(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("jwt")
		h.newPasswordUser(t, addr)
		pw, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword,
			SessionDurationMinutes: 90, SessionCustomClaims: map[string]any{"org": "acme"}})
		require.NoError(t, err)

		header, claims := jwtParts(t, pw.SessionJWT)
		require.Equal(t, "RS256", header["alg"])
		require.Equal(t, "JWT", header["typ"])
		kid, _ := header["kid"].(string)
		require.Regexp(t, `^jwk-test-`+uuidSuffix, kid)
		require.Equal(t, "stytch.com/"+h.PID, claims["iss"])
		require.Equal(t, []any{h.PID}, claims["aud"])
		require.Equal(t, pw.UserID, claims["sub"])
		iat, exp, nbf := claims["iat"].(float64), claims["exp"].(float64), claims["nbf"].(float64)
		require.EqualValues(t, 300, exp-iat)
		require.Equal(t, iat, nbf)
		require.NotContains(t, claims, "jti")
		require.Equal(t, "acme", claims["org"])
		st, ok := claims["https://stytch.com/session"].(map[string]any)
		require.True(t, ok)
		requireKeys(t, st, "", "id", "started_at", "last_accessed_at", "expires_at", "attributes", "authentication_factors", "roles")
		require.Equal(t, pw.Session.SessionID, st["id"])
		require.Equal(t, pw.Session.ExpiresAt.Format(time.RFC3339), st["expires_at"])
		for _, f := range st["authentication_factors"].([]any) {
			fm := f.(map[string]any)
			requireKeys(t, fm, "", "type", "delivery_method", "last_authenticated_at")
			require.NotContains(t, fm, "created_at", "JWT factors carry no created_at")
			require.NotContains(t, fm, "updated_at")
		}

		// Signed by the key the JWKS publishes.
		pub := jwksKey(t, h, kid)
		_, err = jwt.Parse(pw.SessionJWT, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(h.PID), jwt.WithIssuer("stytch.com/"+h.PID))
		require.NoError(t, err)

		// The SDK verifies it locally and maps the session.
		local, err := h.C.Sessions.AuthenticateJWTLocal(pw.SessionJWT, time.Minute)
		require.NoError(t, err)
		require.Equal(t, pw.Session.SessionID, local.SessionID)
		require.Equal(t, pw.UserID, local.UserID)
		require.Equal(t, pw.Session.ExpiresAt.Unix(), local.ExpiresAt.Unix())
		require.Equal(t, pw.Session.StartedAt.Unix(), local.StartedAt.Unix())
		require.Equal(t, []string{"password/knowledge"}, factorTypes(local))
		require.Equal(t, map[string]any{"org": "acme"}, local.CustomClaims)
		require.Contains(t, local.Roles, "stytch_user")

		// AuthenticateJWT prefers local verification (no request to the API).
		before := len(h.Cap.all())
		viaJWT, err := h.C.Sessions.AuthenticateJWT(h.Ctx, time.Minute, &sessions.AuthenticateParams{SessionJWT: pw.SessionJWT})
		require.NoError(t, err)
		require.Equal(t, pw.Session.SessionID, viaJWT.Session.SessionID)
		require.Equal(t, before, len(h.Cap.all()))
	})
}

func TestSessionJWTRefusedByOtherProject(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		other := h.For(otherProjectID, otherSecret)
		addr := h.Email("xproj")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)

		_, err := other.C.Sessions.AuthenticateJWTLocal(pw.SessionJWT, time.Minute)
		require.Error(t, err, "the SDK of another project refuses the JWT (aud/iss)")
		_, err = other.C.Sessions.Authenticate(other.Ctx, &sessions.AuthenticateParams{SessionJWT: pw.SessionJWT})
		require.Error(t, err)
		x := other.Last(t)
		require.True(t, x.Status >= 400 && x.Status < 500, "%d %s", x.Status, x.Body)
		requireErrorBody(t, x.Status, x.Body, "")
		_, err = other.C.Sessions.AuthenticateJWT(other.Ctx, time.Minute, &sessions.AuthenticateParams{SessionJWT: pw.SessionJWT})
		require.Error(t, err)
		// The token is unknown there, too.
		_, err = other.authSession(pw.SessionToken)
		requireAPIError(t, other, err, 404, "session_not_found")
		// Another project's credentials cannot revoke it.
		_, err = other.C.Sessions.Revoke(other.Ctx, &sessions.RevokeParams{SessionID: pw.Session.SessionID})
		requireAPIError(t, other, err, 404, "session_not_found")
		_, err = h.authSession(pw.SessionToken)
		require.NoError(t, err)
		// And it still works in its own project.
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: pw.SessionJWT})
		require.NoError(t, err)
	}, emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
}

// forgeries builds refused variants of a genuine session JWT.
func forgeries(t testing.TB, genuine string) map[string]string {
	t.Helper()
	parts := strings.Split(genuine, ".")
	header, claims := jwtParts(t, genuine)
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	out := map[string]string{}

	// alg: none, no signature.
	none := map[string]any{"alg": "none", "typ": "JWT", "kid": header["kid"]}
	out["alg-none"] = enc(none) + "." + parts[1] + "."
	out["alg-none-with-sig"] = enc(none) + "." + parts[1] + "." + parts[2]

	// Signed with another RSA key under the same kid.
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	tok.Header["kid"] = header["kid"]
	s, err := tok.SignedString(other)
	require.NoError(t, err)
	out["other-key"] = s

	// Tampered payload: a longer session, keeping the original signature.
	tampered := map[string]any{}
	for k, v := range claims {
		tampered[k] = v
	}
	tampered["exp"] = claims["exp"].(float64) + 3600
	out["tampered-payload"] = parts[0] + "." + enc(tampered) + "." + parts[2]
	// Tampered signature.
	sig := []byte(parts[2])
	if sig[10] == 'A' {
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}
	out["tampered-signature"] = parts[0] + "." + parts[1] + "." + string(sig)

	// HS256 "signed" with the kid as secret (algorithm confusion).
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims))
	hs.Header["kid"] = header["kid"]
	hsTok, err := hs.SignedString([]byte(header["kid"].(string)))
	require.NoError(t, err)
	out["hs256"] = hsTok
	return out
}

func TestSessionForgedJWTsRefused(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("forge")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		for name, forged := range forgeries(t, pw.SessionJWT) {
			_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: forged})
			require.Error(t, err, name)
			x := h.Last(t)
			require.True(t, x.Status >= 400 && x.Status < 500, "%s: %d %s", name, x.Status, x.Body)
			requireErrorBody(t, x.Status, x.Body, "")
			_, err = h.C.Sessions.AuthenticateJWTLocal(forged, time.Minute)
			require.Error(t, err, name)
			// A forged JWT cannot revoke or step up the session either.
			_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionJWT: forged})
			require.Error(t, err, name)
			_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionJWT: forged})
			require.Error(t, err, name)
		}
		// The genuine session is intact.
		_, err := h.authSession(pw.SessionToken)
		require.NoError(t, err)
	})
}

func TestRBACPolicy(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		resp, err := h.C.RBAC.Policy(h.Ctx, &rbac.PolicyParams{})
		require.NoError(t, err)
		_, raw := strictLast[rbac.PolicyResponse](t, h, 200, "request_id", "status_code", "policy")
		requireKeys(t, raw, "policy", "roles", "resources", "scopes")
		for _, r := range dig(raw, "policy.roles").([]any) {
			requireKeys(t, r.(map[string]any), "", "role_id", "description", "permissions")
		}
		var roleIDs []string
		for _, r := range resp.Policy.Roles {
			roleIDs = append(roleIDs, r.RoleID)
		}
		require.Contains(t, roleIDs, "stytch_user")

		status, body := h.Raw(t, "GET", "/v1/rbac/policy", nil, "-")
		require.Equal(t, 401, status)
		requireErrorBody(t, 401, body, "unauthorized_credentials")

		// An authorization check the default policy does not grant: refused locally and remotely.
		addr := h.Email("rbac")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		check := &sessions.AuthorizationCheck{ResourceID: "documents", Action: "read"}
		_, err = h.C.Sessions.AuthenticateJWTLocal(pw.SessionJWT, time.Minute, consumer.WithAuthorizationCheck(check))
		require.Error(t, err)
		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, AuthorizationCheck: check})
		require.Error(t, err)
		x := h.Last(t)
		require.Equal(t, http.StatusForbidden, x.Status)
		requireErrorBody(t, 403, x.Body, "")
	})
}

func TestSessionCustomClaimsLimits(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("claims")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		// Reserved claims are ignored, not refused (stytch-go sessions/types.go), in the session
		// and in its JWT.
		for _, reserved := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"} {
			got, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{reserved: "x"}})
			require.NoError(t, err, reserved)
			require.Empty(t, got.Session.CustomClaims, reserved)
			require.NotEqual(t, "x", jwtClaims(t, got.SessionJWT)[reserved], reserved)
		}
		_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionCustomClaims: map[string]any{"big": strings.Repeat("x", 5000)}})
		requireAPIError(t, h, err, 400, "custom_claims_too_large")
		got, err := h.authSession(pw.SessionToken)
		require.NoError(t, err)
		require.Empty(t, got.Session.CustomClaims, "refused claims are not stored")
		// Claims given at authentication time land in the session and its JWT.
		withClaims, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 5, SessionCustomClaims: map[string]any{"plan": "pro"}})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"plan": "pro"}, withClaims.Session.CustomClaims)
		claims := map[string]any{}
		resp, err := h.C.Sessions.AuthenticateJWTWithClaims(h.Ctx, time.Minute, &sessions.AuthenticateParams{SessionJWT: withClaims.SessionJWT}, claims)
		require.NoError(t, err)
		require.Equal(t, withClaims.Session.SessionID, resp.Session.SessionID)
		require.Equal(t, "pro", claims["plan"])
	})
}

// The 4 KB limit applies to a session's merged custom claims, not to each request's.
func TestSessionMergedCustomClaimsLimit(t *testing.T) {
	h := newH(t, "inprocess")
	created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: "claims@example.com", Password: strongPassword, SessionDurationMinutes: 30})
	require.NoError(t, err)
	big := strings.Repeat("x", 1500)
	for i, want := range []bool{true, true, false} { // 1.5 KB, 3 KB, then 4.5 KB: refused
		_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{
			SessionToken:        created.SessionToken,
			SessionCustomClaims: map[string]any{fmt.Sprintf("k%d", i): big},
		})
		if want {
			require.NoError(t, err, "round %d", i)
		} else {
			requireAPIError(t, h, err, 400, "custom_claims_too_large")
		}
	}
	got, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: created.SessionToken})
	require.NoError(t, err)
	require.Len(t, got.Session.CustomClaims, 2, "the refused request changed nothing")
}
