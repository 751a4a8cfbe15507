package emulator

import (
	"crypto/subtle"
	"regexp"
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
func (r *otpSendParams) contact(m medium) string {
	if m == mediumEmail {
		return r.Email
	}
	return r.PhoneNumber
}

// validate checks a send request without touching state; it returns the code lifetime.
func (r *otpSendParams) validate(p *Project, channel string) (time.Duration, error) {
	switch {
	case channel == channelEmail:
		if err := checkEmail(r.Email); err != nil {
			return 0, err
		}
	default:
		if err := checkPhone(r.PhoneNumber); err != nil {
			return 0, err
		}
		if channel == channelSMS && r.PhoneNumber != sandboxPhone {
			if err := p.checkSMSCountry(r.PhoneNumber); err != nil {
				return 0, err
			}
		}
	}
	locales := phoneLocales
	if channel == channelEmail {
		locales = emailLocales
	}
	if err := checkLocale(r.Locale, locales); err != nil {
		return 0, err
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

// otpSendResponse is the body of a send; PhoneID or EmailID is filled by medium.
type otpSendResponse struct {
	meta
	UserID  string `json:"user_id"`
	PhoneID string `json:"phone_id,omitempty"`
	EmailID string `json:"email_id,omitempty"`
}

// render fills the response for a code sent to ct of u.
func (r *otpSendResponse) render(u *user, ct *contact) {
	r.UserID = u.id
	if ct.medium == mediumEmail {
		r.EmailID = ct.id
	} else {
		r.PhoneID = ct.id
	}
}

type otpLoginOrCreateResponse struct {
	otpSendResponse
	UserCreated bool `json:"user_created"`
}

// issueCodeLocked makes a new code the only active one of a contact and puts it in the outbox.
// The sandbox identities get no message: their code is always 000000.
func (p *Project) issueCodeLocked(u *user, channel string, ct *contact, ttl time.Duration, now time.Time) {
	if u.sandbox {
		// No message for the sandbox identities; remember the channel for the factor.
		p.otps[ct.id] = &otpCode{code: sandboxCode, userID: u.id, channel: channel}
		return
	}
	code := newOTPCode()
	exp := now.Add(ttl)
	p.otps[ct.id] = &otpCode{code: code, userID: u.id, channel: channel, expiresAt: exp}
	p.recordMessage(Message{Channel: channel, Type: "otp", To: ct.value, Code: code, MethodID: ct.id, UserID: u.id, SentAt: now, ExpiresAt: exp})
}

// otpSend serves POST /v1/otps/{sms,whatsapp,email}/send. With user_id or a session, a contact new
// to that user is attached unverified (removed if not authenticated within 5 minutes), and a user
// who already has an unverified factor cannot add another (too_many_unverified_factors).
func otpSend(channel string) handler {
	m := mediumOf(channel)
	return func(c *call) (int, metaSetter, error) {
		var req otpSendParams
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
		p := c.p
		ttl, err := req.validate(p, channel)
		if err != nil {
			return 0, nil, err
		}
		value := req.contact(m)
		cred := c.credential(req.SessionToken, req.SessionJWT)
		resp := &otpSendResponse{}
		return reply(resp, p.update(func(now time.Time) error {
			target, err := p.sendTargetLocked(cred, req.UserID, now)
			if err != nil {
				return err
			}
			owner := p.ownerLocked(m, value, now)
			switch {
			case target == nil && owner == nil:
				return newError(m.notFound(), "No user has this %s; use login_or_create or pass user_id.", m.noun())
			case target == nil:
				target = owner
			case owner != nil && owner != target:
				return newError(m.duplicate(), "Another user has this %s.", m.noun())
			case owner == nil:
				if target.unverifiedCount() > 0 {
					return newError("too_many_unverified_factors", "The user already has an unverified factor; verify it before adding another.")
				}
				p.addContactLocked(target, m, value, false, now)
			}
			ct := target.contact(m, value)
			ct.refreshPending(now)
			p.issueCodeLocked(target, channel, ct, ttl, now)
			resp.render(target, ct)
			return nil
		}))
	}
}

// otpLoginOrCreate serves POST /v1/otps/{sms,whatsapp,email}/login_or_create: sends to the owner of
// the contact, or creates a user (active, or pending with create_user_as_pending) with it unverified.
func otpLoginOrCreate(channel string) handler {
	m := mediumOf(channel)
	return func(c *call) (int, metaSetter, error) {
		var req otpSendParams
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
		if req.UserID != "" || req.SessionToken != "" || req.SessionJWT != "" {
			return 0, nil, newError("bad_request", "login_or_create does not take user_id, session_token or session_jwt; use send.")
		}
		p := c.p
		ttl, err := req.validate(p, channel)
		if err != nil {
			return 0, nil, err
		}
		value := req.contact(m)
		resp := &otpLoginOrCreateResponse{}
		return reply(resp, p.update(func(now time.Time) error {
			u := p.ownerLocked(m, value, now)
			if u == nil {
				var err error
				if u, err = p.newUserLocked(now); err != nil {
					return err
				}
				if req.CreateUserAsPending {
					u.status = "pending"
				}
				p.addContactLocked(u, m, value, false, time.Time{})
				resp.UserCreated = true
			}
			ct := u.contact(m, value)
			p.issueCodeLocked(u, channel, ct, ttl, now)
			resp.render(u, ct)
			return nil
		}))
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
	resp := &otpAuthenticateResponse{MethodID: req.MethodID}
	return reply(resp, c.authenticate(&resp.authResponse, factorAuth{
		session: &req.sessionParams,
		find: func(tx *authTx) (*user, error) {
			if id, ok := p.methods[req.MethodID]; ok {
				if u := p.userLocked(id, tx.now); u != nil && u.contactByID(req.MethodID) != nil {
					return u, nil
				}
			}
			return nil, newError("otp_code_not_found", "No code was sent to this method_id.")
		},
		verify: func(tx *authTx, u *user) (*factor, error) {
			if err := checkLock(u, tx.now); err != nil {
				return nil, err
			}
			ct := u.contactByID(req.MethodID)
			channel, err := p.matchCodeLocked(u, ct, req.Code, tx.now)
			if err != nil {
				return nil, err
			}
			u.succeedLocked()
			if u.status == "pending" {
				u.status = "active"
			}
			f := &factor{typ: "otp", delivery: channel}
			if ct.medium == mediumEmail {
				verifyEmailLocked(u, ct, tx.existing)
				f.emailID, f.emailAddress = ct.id, ct.value
			} else {
				ct.verify()
				f.phoneID, f.phoneNumber = ct.id, ct.value
			}
			return f, nil
		},
	}))
}

// matchCodeLocked checks a code for a contact, marks it used and returns its channel. A wrong code
// counts as a failed attempt toward the user's lock.
func (p *Project) matchCodeLocked(u *user, ct *contact, code string, now time.Time) (string, error) {
	rec := p.otps[ct.id]
	if u.sandbox {
		switch {
		case code != sandboxCode:
			return "", newError("otp_code_not_found", "The code is wrong (the sandbox code is %s).", sandboxCode)
		case rec != nil:
			return rec.channel, nil
		case ct.medium == mediumEmail:
			return channelEmail, nil
		default:
			return channelSMS, nil
		}
	}
	if rec == nil || subtle.ConstantTimeCompare([]byte(rec.code), []byte(code)) != 1 {
		p.failLocked(u, now)
		return "", newError("otp_code_not_found", "The code is wrong for this method_id.")
	}
	if rec.used || !now.Before(rec.expiresAt) {
		return "", newError("unable_to_auth_otp_code", "The code has expired or was already used.")
	}
	rec.used = true
	return rec.channel, nil
}
