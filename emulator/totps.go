package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"image/png"
	"regexp"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 defaults (SHA-1, 6 digits, 30 s), ±1 step accepted.
const (
	totpPeriod          = 30
	totpSkew            = 1
	recoveryCodesPerKey = 10
	defaultTOTPMinutes  = 1440
)

// recoveryCodePattern is the shape of a TOTP recovery code.
var recoveryCodePattern = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

type totpCreateParams struct {
	UserID            string `json:"user_id"`
	ExpirationMinutes int32  `json:"expiration_minutes"`
}

type totpCreateResponse struct {
	meta
	TOTPID        string   `json:"totp_id"`
	Secret        string   `json:"secret"`
	QRCode        string   `json:"qr_code"`
	RecoveryCodes []string `json:"recovery_codes"`
	User          wireUser `json:"user"`
	UserID        string   `json:"user_id"`
}

// createTOTP serves POST /v1/totps: a pending registration with a base32 secret, a QR code data URL
// and 10 recovery codes; it becomes verified on its first successful authenticate and expires
// unverified after expiration_minutes.
func createTOTP(c *call) (int, metaSetter, error) {
	var req totpCreateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	minutes := req.ExpirationMinutes
	if minutes == 0 {
		minutes = defaultTOTPMinutes
	}
	if minutes < 5 || minutes > 1440 {
		return 0, nil, newError("invalid_expiration", "expiration_minutes must be between 5 and 1440.")
	}
	p := c.p
	// Look the user up first (bad input must not reach the QR encoder), then make the secret and
	// the QR code outside the lock: PNG encoding is the slow part.
	var userID string
	if err := p.update(func(now time.Time) error {
		u := p.userLocked(req.UserID, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", req.UserID)
		}
		userID = u.id
		return nil
	}); err != nil {
		return 0, nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Stytch emulator", AccountName: userID, Period: totpPeriod})
	if err != nil {
		return 0, nil, err
	}
	qr, err := qrDataURL(key)
	if err != nil {
		return 0, nil, err
	}
	resp := &totpCreateResponse{QRCode: qr}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(req.UserID, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", req.UserID)
		}
		if u.sandbox && len(u.totps) > 0 {
			t := u.totps[0]
			resp.TOTPID, resp.Secret, resp.RecoveryCodes = t.id, t.secret, []string{sandboxRecoveryCode}
			resp.User, resp.UserID = u.wire(now), u.id
			return nil
		}
		for _, t := range u.totps {
			if t.verified {
				return newError("active_totp_exists", "The user already has an active TOTP registration.")
			}
		}
		u.totps = u.totps[:0] // a new registration replaces a pending one
		t := &totpRecord{id: newID(prefixTOTP), secret: key.Secret(), createdAt: now, expiresAt: now.Add(time.Duration(minutes) * time.Minute)}
		codes := make([]string, recoveryCodesPerKey)
		for i := range codes {
			codes[i] = newRecoveryCode()
			t.recovery = append(t.recovery, &recoveryCode{id: newID(prefixRecovery), code: codes[i]})
		}
		u.totps = append(u.totps, t)
		resp.TOTPID, resp.Secret, resp.RecoveryCodes = t.id, t.secret, codes
		resp.User, resp.UserID = u.wire(now), u.id
		return nil
	}))
}

// qrDataURL renders the otpauth:// URL as a PNG data URL, in Stytch's "data:image/png;base64, …" form.
func qrDataURL(key *otp.Key) (string, error) {
	img, err := key.Image(200, 200)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64, " + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// activeTOTP returns u's usable registration: verified, or pending and not expired.
func (u *user) activeTOTP(now time.Time) *totpRecord {
	for _, t := range u.totps {
		if t.verified || now.Before(t.expiresAt) {
			return t
		}
	}
	return nil
}

// matchStep returns the time step (±totpSkew around now) whose code equals code, or -1.
func matchStep(secret, code string, now time.Time) int64 {
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return -1
}

type totpAuthenticateParams struct {
	sessionParams
	UserID   string `json:"user_id"`
	TOTPCode string `json:"totp_code"`
}

type totpAuthenticateResponse struct {
	authResponse
	TOTPID string `json:"totp_id"`
}

// authenticateTOTP serves POST /v1/totps/authenticate: RFC 6238 at the project's virtual time,
// ±1 step; a code (time step) cannot be used twice. Adds totp/authenticator_app.
func authenticateTOTP(c *call) (int, metaSetter, error) {
	var req totpAuthenticateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	if recoveryCodePattern.MatchString(req.TOTPCode) {
		return 0, nil, newError("recovery_code_used_as_totp_code", "This is a recovery code; use /v1/totps/recover.")
	}
	if !otpCodePattern.MatchString(req.TOTPCode) {
		return 0, nil, newError("invalid_totp_code", "totp_code must be 6 digits.")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &totpAuthenticateResponse{}
	return reply(resp, c.authenticate(&resp.authResponse, factorAuth{
		session: &req.sessionParams,
		find:    p.totpUser(req.UserID),
		verify: func(tx *authTx, u *user) (*factor, error) {
			t := u.activeTOTP(tx.now)
			if t == nil {
				return nil, newError("totp_not_found", "The user has no TOTP registration.")
			}
			if err := checkLock(u, tx.now); err != nil {
				return nil, err
			}
			if !t.sandboxFixed || req.TOTPCode != sandboxCode {
				step := matchStep(t.secret, req.TOTPCode, tx.now)
				if step < 0 {
					p.failLocked(u, tx.now)
					return nil, newError("unable_to_authenticate_totp", "The TOTP code is wrong.")
				}
				if step <= t.lastUsedStep {
					return nil, newError("totp_code_already_authenticated", "This TOTP code was already used.")
				}
				t.lastUsedStep = step
			}
			t.verified = true
			u.succeedLocked()
			resp.TOTPID = t.id
			return &factor{typ: "totp", delivery: "authenticator_app", totpID: t.id}, nil
		},
	}))
}

// totpUser finds the user of a TOTP request.
func (p *Project) totpUser(userID string) func(tx *authTx) (*user, error) {
	return func(tx *authTx) (*user, error) {
		if u := p.userLocked(userID, tx.now); u != nil {
			return u, nil
		}
		return nil, newError("user_not_found", "User %s not found.", userID)
	}
}

type totpRecoveryCodesResponse struct {
	meta
	UserID string          `json:"user_id"`
	TOTPs  []wireTOTPCodes `json:"totps"`
}

type wireTOTPCodes struct {
	TOTPID        string   `json:"totp_id"`
	Verified      bool     `json:"verified"`
	RecoveryCodes []string `json:"recovery_codes"`
}

// totpRecoveryCodes serves POST /v1/totps/recovery_codes: the unused recovery codes of each TOTP.
func totpRecoveryCodes(c *call) (int, metaSetter, error) {
	var req struct {
		UserID string `json:"user_id"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	p := c.p
	resp := &totpRecoveryCodesResponse{TOTPs: []wireTOTPCodes{}}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(req.UserID, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", req.UserID)
		}
		resp.UserID = u.id
		for _, t := range u.totps {
			w := wireTOTPCodes{TOTPID: t.id, Verified: t.verified, RecoveryCodes: []string{}}
			for _, rc := range t.recovery {
				if !rc.used {
					w.RecoveryCodes = append(w.RecoveryCodes, rc.code)
				}
			}
			resp.TOTPs = append(resp.TOTPs, w)
		}
		return nil
	}))
}

type totpRecoverParams struct {
	sessionParams
	UserID       string `json:"user_id"`
	RecoveryCode string `json:"recovery_code"`
}

// recoverTOTP serves POST /v1/totps/recover: a single-use recovery code; adds
// recovery_codes/recovery_code.
func recoverTOTP(c *call) (int, metaSetter, error) {
	var req totpRecoverParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.UserID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	if otpCodePattern.MatchString(req.RecoveryCode) {
		return 0, nil, newError("totp_code_used_as_recovery_code", "This is a TOTP code; use /v1/totps/authenticate.")
	}
	if !recoveryCodePattern.MatchString(req.RecoveryCode) {
		return 0, nil, newError("invalid_recovery_code", "recovery_code must look like xxxx-xxxx-xxxx.")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &totpAuthenticateResponse{}
	return reply(resp, c.authenticate(&resp.authResponse, factorAuth{
		session: &req.sessionParams,
		find:    p.totpUser(req.UserID),
		verify: func(tx *authTx, u *user) (*factor, error) {
			if err := checkLock(u, tx.now); err != nil {
				return nil, err
			}
			t, rc := u.recoveryCode(req.RecoveryCode)
			if rc == nil || rc.used {
				p.failLocked(u, tx.now)
				return nil, newError("unable_to_authenticate_recovery_code", "The recovery code is wrong or was already used.")
			}
			if !t.sandboxFixed {
				rc.used = true
			}
			u.succeedLocked()
			resp.TOTPID = t.id
			return &factor{typ: "recovery_codes", delivery: "recovery_code", recoveryID: rc.id}, nil
		},
	}))
}

// recoveryCode finds a recovery code of a verified TOTP registration of u.
func (u *user) recoveryCode(code string) (*totpRecord, *recoveryCode) {
	for _, t := range u.totps {
		if !t.verified {
			continue
		}
		for _, rc := range t.recovery {
			if subtle.ConstantTimeCompare([]byte(rc.code), []byte(code)) == 1 {
				return t, rc
			}
		}
	}
	return nil, nil
}
