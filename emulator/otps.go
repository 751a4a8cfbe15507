package emulator

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// OTP delivery channels; each is also the factor's delivery_method.
const (
	channelSMS      = "sms"
	channelWhatsApp = "whatsapp"
	channelEmail    = "email"
)

// OTP expiry bounds in minutes (default 2).
const (
	defaultOTPMinutes = 2
	minOTPMinutes     = 1
	maxOTPMinutes     = 10
)

// otpCodePattern is the shape of an OTP code.
var otpCodePattern = regexp.MustCompile(`^[0-9]{6}$`)

// otpSendParams is the body of every OTP send and login_or_create endpoint.
type otpSendParams struct {
	PhoneNumber         string          `json:"phone_number"`
	Email               string          `json:"email"`
	ExpirationMinutes   int32           `json:"expiration_minutes"`
	Attributes          *wireAttributes `json:"attributes"`
	Locale              string          `json:"locale"`
	UserID              string          `json:"user_id"`
	SessionToken        string          `json:"session_token"`
	SessionJWT          string          `json:"session_jwt"`
	CreateUserAsPending bool            `json:"create_user_as_pending"`
	LoginTemplateID     string          `json:"login_template_id"`
	SignupTemplateID    string          `json:"signup_template_id"`
}

// contact returns the phone number or email the request addresses.
func (r *otpSendParams) contact(channel string) string {
	if channel == channelEmail {
		return r.Email
	}
	return r.PhoneNumber
}

// validate checks a send request without touching state; it returns the code lifetime.
func (r *otpSendParams) validate(c *call, channel string) (time.Duration, *Error) {
	if channel == channelEmail {
		if err := checkEmail(r.Email); err != nil {
			return 0, err
		}
	} else {
		if err := checkPhone(r.PhoneNumber); err != nil {
			return 0, err
		}
		if channel == channelSMS && r.PhoneNumber != sandboxPhone {
			if err := c.checkSMSCountry(r.PhoneNumber); err != nil {
				return 0, err
			}
		}
	}
	minutes := r.ExpirationMinutes
	if minutes == 0 {
		minutes = defaultOTPMinutes
	}
	if minutes < minOTPMinutes || minutes > maxOTPMinutes {
		return 0, newError("invalid_expiration_otp", "expiration_minutes must be between %d and %d.", minOTPMinutes, maxOTPMinutes)
	}
	if r.SessionToken != "" && r.SessionJWT != "" {
		return 0, newError("too_many_session_arguments", "Pass either session_token or session_jwt, not both.")
	}
	return time.Duration(minutes) * time.Minute, nil
}

// otpSendResponse is the body of a send; PhoneID or EmailID is filled by channel.
type otpSendResponse struct {
	meta
	UserID  string `json:"user_id"`
	PhoneID string `json:"phone_id,omitempty"`
	EmailID string `json:"email_id,omitempty"`
}

type otpLoginOrCreateResponse struct {
	otpSendResponse
	UserCreated bool `json:"user_created"`
}

// methodID returns u's method id for a contact, or "" when u does not have it.
func (u *user) methodID(channel, contact string) string {
	if channel == channelEmail {
		if e := u.email(contact); e != nil {
			return e.id
		}
		return ""
	}
	if ph := u.phone(contact); ph != nil {
		return ph.id
	}
	return ""
}

// issueCodeLocked makes a new code the only active one of a method and puts it in the outbox. The
// sandbox identities get no message: their code is always 000000.
func (p *project) issueCodeLocked(u *user, channel, methodID, contact string, ttl time.Duration, now time.Time) {
	if u.sandbox {
		// No message for the sandbox identities; remember the channel for the factor.
		p.otps[methodID] = &otpCode{code: sandboxCode, userID: u.id, channel: channel}
		return
	}
	code := newOTPCode()
	exp := now.Add(ttl)
	p.otps[methodID] = &otpCode{code: code, userID: u.id, channel: channel, expiresAt: exp}
	p.recordMessage(Message{Channel: channel, Type: "otp", To: contact, Code: code, MethodID: methodID, UserID: u.id, SentAt: now, ExpiresAt: exp})
}

// otpSend serves POST /v1/otps/{sms,whatsapp,email}/send. With user_id or a session, a contact new
// to that user is attached unverified (removed if not authenticated within 5 minutes), and a user
// who already has an unverified factor cannot add another (too_many_unverified_factors).
func otpSend(channel string) handler {
	return func(c *call) (int, metaSetter, error) {
		var req otpSendParams
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
		ttl, verr := req.validate(c, channel)
		if verr != nil {
			return 0, nil, verr
		}
		contact := req.contact(channel)
		p := c.p
		now := p.clock.Now()
		p.mu.Lock()
		defer p.mu.Unlock()

		var target *user
		if req.SessionToken != "" || req.SessionJWT != "" {
			s, aerr := p.existingSessionLocked(c, &sessionParams{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}, now)
			if aerr != nil {
				return 0, nil, aerr
			}
			target = p.userLocked(s.userID, now)
		}
		if req.UserID != "" {
			u := p.userLocked(req.UserID, now)
			if u == nil {
				return 0, nil, newError("user_not_found", "User %s not found.", req.UserID)
			}
			if target != nil && target != u {
				return 0, nil, newError("bad_request", "user_id and the session belong to different users.")
			}
			target = u
		}
		owner := p.ownerLocked(channel, contact, now)
		switch {
		case target == nil && owner == nil:
			if channel == channelEmail {
				return 0, nil, newError("email_not_found", "No user has this email; use login_or_create or pass user_id.")
			}
			return 0, nil, newError("phone_number_not_found", "No user has this phone number; use login_or_create or pass user_id.")
		case target == nil:
			target = owner
		case owner != nil && owner != target:
			if channel == channelEmail {
				return 0, nil, newError("duplicate_email", "Another user has this email.")
			}
			return 0, nil, newError("duplicate_phone_number", "Another user has this phone number.")
		case owner == nil:
			if target.unverifiedCount() > 0 {
				return 0, nil, newError("too_many_unverified_factors", "The user already has an unverified factor; verify it before adding another.")
			}
			if channel == channelEmail {
				p.addEmailLocked(target, contact, false, now)
			} else {
				p.addPhoneLocked(target, contact, false, now)
			}
		}
		methodID := target.methodID(channel, contact)
		target.refreshPending(methodID, now)
		p.issueCodeLocked(target, channel, methodID, contact, ttl, now)
		resp := &otpSendResponse{UserID: target.id}
		if channel == channelEmail {
			resp.EmailID = methodID
		} else {
			resp.PhoneID = methodID
		}
		return http.StatusOK, resp, nil
	}
}

// ownerLocked returns the user owning a contact.
func (p *project) ownerLocked(channel, contact string, now time.Time) *user {
	if channel == channelEmail {
		return p.userByEmailLocked(contact, now)
	}
	return p.userByPhoneLocked(contact, now)
}

// otpLoginOrCreate serves POST /v1/otps/{sms,whatsapp,email}/login_or_create: sends to the owner of
// the contact, or creates a user (active, or pending with create_user_as_pending) with it unverified.
func otpLoginOrCreate(channel string) handler {
	return func(c *call) (int, metaSetter, error) {
		var req otpSendParams
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
		if req.UserID != "" || req.SessionToken != "" || req.SessionJWT != "" {
			return 0, nil, newError("bad_request", "login_or_create does not take user_id, session_token or session_jwt; use send.")
		}
		ttl, verr := req.validate(c, channel)
		if verr != nil {
			return 0, nil, verr
		}
		contact := req.contact(channel)
		p := c.p
		now := p.clock.Now()
		p.mu.Lock()
		defer p.mu.Unlock()
		u := p.ownerLocked(channel, contact, now)
		resp := &otpLoginOrCreateResponse{}
		if u == nil {
			u = p.newUserLocked(now)
			if req.CreateUserAsPending {
				u.status = "pending"
			}
			if channel == channelEmail {
				p.addEmailLocked(u, contact, false, time.Time{})
			} else {
				p.addPhoneLocked(u, contact, false, time.Time{})
			}
			resp.UserCreated = true
		}
		methodID := u.methodID(channel, contact)
		p.issueCodeLocked(u, channel, methodID, contact, ttl, now)
		resp.UserID = u.id
		if channel == channelEmail {
			resp.EmailID = methodID
		} else {
			resp.PhoneID = methodID
		}
		return http.StatusOK, resp, nil
	}
}

type otpAuthenticateParams struct {
	sessionParams
	MethodID   string          `json:"method_id"`
	Code       string          `json:"code"`
	Attributes *wireAttributes `json:"attributes"`
	Options    *struct {
		IPMatchRequired        bool `json:"ip_match_required"`
		UserAgentMatchRequired bool `json:"user_agent_match_required"`
	} `json:"options"`
}

type otpAuthenticateResponse struct {
	authResponse
	MethodID      string `json:"method_id"`
	ResetSessions bool   `json:"reset_sessions"`
}

// authenticateOTP serves POST /v1/otps/authenticate: a wrong code is 404 otp_code_not_found, an
// expired or used one 401 unable_to_auth_otp_code. Success verifies the method and adds the factor
// (otp/sms, otp/whatsapp with phone_number_factor; otp/email with email_factor).
func authenticateOTP(c *call) (int, metaSetter, error) {
	var req otpAuthenticateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.MethodID == "" {
		return 0, nil, newError("invalid_method_id", "method_id is required.")
	}
	if !strings.HasPrefix(req.MethodID, prefixPhone) && !strings.HasPrefix(req.MethodID, prefixEmail) {
		return 0, nil, newError("invalid_method_id", "method_id format is invalid.")
	}
	if !otpCodePattern.MatchString(req.Code) {
		return 0, nil, newError("invalid_code", "Code format is invalid: 6 digits expected.")
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	var u *user
	if id, ok := p.methods[req.MethodID]; ok {
		u = p.userLocked(id, now)
	}
	if u == nil || !u.hasMethod(req.MethodID) {
		p.mu.Unlock()
		return 0, nil, newError("otp_code_not_found", "No code was sent to this method_id.")
	}
	existing, aerr := p.existingSessionLocked(c, &req.sessionParams, now)
	if aerr == nil {
		aerr = p.checkLockLocked(u, now)
	}
	var channel string
	var rec *otpCode
	if aerr == nil {
		channel, rec, aerr = p.matchCodeLocked(c, u, req.MethodID, req.Code, now)
	}
	if aerr != nil {
		p.mu.Unlock()
		return 0, nil, aerr
	}
	if rec != nil {
		rec.used = true
	}
	u.succeedLocked()
	if u.status == "pending" {
		u.status = "active"
	}
	f := &factor{typ: "otp", delivery: channel}
	for _, e := range u.emails {
		if e.id == req.MethodID {
			otherVerified := slices.ContainsFunc(u.emails, func(x *emailMethod) bool { return x.verified && x != e })
			if !e.verified && !otherVerified && u.password != nil && !u.sandbox && (existing == nil || existing.userID != u.id) {
				// Stytch's account-takeover protection: a password set while the email was
				// unverified may belong to someone else, so the first passwordless email login
				// that verifies the address outside a session of the user requires a password
				// reset (passwords.authenticate answers reset_password). Verifying it with the
				// user's session, as Stytch's email-verification guide does, proves the same
				// person holds both; so does an email of the user verified before.
				u.password.requiresReset = true
			}
			e.verified, e.pendingSince = true, time.Time{}
			f.emailID, f.emailAddress = e.id, e.address
		}
	}
	for _, ph := range u.phones {
		if ph.id == req.MethodID {
			ph.verified, ph.pendingSince = true, time.Time{}
			f.phoneID, f.phoneNumber = ph.id, ph.number
		}
	}
	resp := &otpAuthenticateResponse{MethodID: req.MethodID}
	resp.record(c, u, existing, f, &req.sessionParams, now)
	p.mu.Unlock()
	return http.StatusOK, resp, resp.sign(c, now)
}

// refreshPending restarts the 5-minute window of a still-unverified method attached by a send
// when a new code is sent to it: the user has 5 minutes from the latest code.
func (u *user) refreshPending(methodID string, now time.Time) {
	for _, e := range u.emails {
		if e.id == methodID && !e.verified && !e.pendingSince.IsZero() {
			e.pendingSince = now
		}
	}
	for _, ph := range u.phones {
		if ph.id == methodID && !ph.verified && !ph.pendingSince.IsZero() {
			ph.pendingSince = now
		}
	}
}

// hasMethod reports whether u has an email or phone with this id.
func (u *user) hasMethod(id string) bool {
	for _, e := range u.emails {
		if e.id == id {
			return true
		}
	}
	for _, ph := range u.phones {
		if ph.id == id {
			return true
		}
	}
	return false
}

// matchCodeLocked checks a code for a method and returns its channel and record (nil for the
// sandbox code). A wrong code counts as a failed attempt toward the user's lock.
func (p *project) matchCodeLocked(c *call, u *user, methodID, code string, now time.Time) (string, *otpCode, *Error) {
	if u.sandbox {
		if code != sandboxCode {
			return "", nil, newError("otp_code_not_found", "The code is wrong (the sandbox code is %s).", sandboxCode)
		}
		switch rec := p.otps[methodID]; {
		case rec != nil:
			return rec.channel, nil, nil
		case strings.HasPrefix(methodID, prefixEmail):
			return channelEmail, nil, nil
		default:
			return channelSMS, nil, nil
		}
	}
	rec := p.otps[methodID]
	if rec == nil || subtle.ConstantTimeCompare([]byte(rec.code), []byte(code)) != 1 {
		p.failLocked(c, u, now)
		return "", nil, newError("otp_code_not_found", "The code is wrong for this method_id.")
	}
	if rec.used || !now.Before(rec.expiresAt) {
		return "", nil, newError("unable_to_auth_otp_code", "The code has expired or was already used.")
	}
	return rec.channel, rec, nil
}
