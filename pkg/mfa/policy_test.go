package mfa

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

var now = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns a factor of kind f last authenticated ago before now (a negative
// ago is in the future).
func at(f Factor, ago time.Duration) sessions.AuthenticationFactor {
	af := untimed(f)
	t := now.Add(-ago)
	af.LastAuthenticatedAt = &t
	return af
}

// untimed returns a factor of kind f without last_authenticated_at.
func untimed(f Factor) sessions.AuthenticationFactor {
	typ, dm, _ := strings.Cut(string(f), "/")
	return sessions.AuthenticationFactor{
		Type:           sessions.AuthenticationFactorType(typ),
		DeliveryMethod: sessions.AuthenticationFactorDeliveryMethod(dm),
	}
}

func session(factors ...sessions.AuthenticationFactor) *sessions.Session {
	return &sessions.Session{SessionID: "session-test", UserID: "user-test", AuthenticationFactors: factors}
}

func TestFactorConstantsMatchStytch(t *testing.T) {
	for f, want := range map[Factor]sessions.AuthenticationFactor{
		Password:          {Type: sessions.AuthenticationFactorTypePassword, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodKnowledge},
		SMS:               {Type: sessions.AuthenticationFactorTypeOTP, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodSms},
		WhatsApp:          {Type: sessions.AuthenticationFactorTypeOTP, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodWhatsapp},
		EmailOTP:          {Type: sessions.AuthenticationFactorTypeOTP, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodEmail},
		MagicLink:         {Type: sessions.AuthenticationFactorTypeMagicLink, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodEmail},
		EmbeddedMagicLink: {Type: sessions.AuthenticationFactorTypeMagicLink, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodEmbedded},
		OAuth:             {Type: sessions.AuthenticationFactorTypeOAuth, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodOAuthGoogle},
		TOTP:              {Type: sessions.AuthenticationFactorTypeTOTP, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodAuthenticatorApp},
		RecoveryCode:      {Type: sessions.AuthenticationFactorTypeRecoveryCodes, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodRecoveryCode},
		WebAuthn:          {Type: sessions.AuthenticationFactorTypeWebAuthn, DeliveryMethod: sessions.AuthenticationFactorDeliveryMethodWebAuthnRegistration},
	} {
		if !f.Match(want) {
			t.Errorf("%s does not match %s/%s", f, want.Type, want.DeliveryMethod)
		}
	}
}

func TestFactorMatch(t *testing.T) {
	tests := []struct {
		f    Factor
		af   sessions.AuthenticationFactor
		want bool
	}{
		{SMS, untimed(SMS), true},
		{SMS, untimed(WhatsApp), false},
		{SMS, untimed(EmailOTP), false},
		{Password, untimed(SMS), false},
		{OAuth, untimed("oauth/oauth_github"), true},
		{"oauth", untimed("oauth/oauth_github"), true},
		{"oauth/oauth_google", untimed("oauth/oauth_github"), false},
		{"*/sms", untimed(SMS), true},
		{"*/sms", untimed(WhatsApp), false},
		{"", untimed(TOTP), true},
		{"*", untimed(TOTP), true},
		{AnyOf(TOTP, SMS), untimed(SMS), true},
		{AnyOf(TOTP, SMS), untimed(TOTP), true},
		{AnyOf(TOTP, SMS), untimed(WhatsApp), false},
		{AnyOf(SMS), untimed(SMS), true},
		{AnyOf(SMS, ""), untimed(Password), true},
		{AnyOf(), untimed(SMS), false},
		{AnyOf(), sessions.AuthenticationFactor{}, false},
		{"otp/sms||", untimed(SMS), true},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.af); got != tt.want {
			t.Errorf("Factor(%q).Match(%s/%s) = %v, want %v", tt.f, tt.af.Type, tt.af.DeliveryMethod, got, tt.want)
		}
	}
}

func TestCategoryOf(t *testing.T) {
	tests := []struct {
		af   sessions.AuthenticationFactor
		want Category
	}{
		{untimed(Password), CategoryKnowledge},
		{untimed(EmailOTP), CategoryEmail},
		{untimed("email_otp/email"), CategoryEmail},
		{untimed(MagicLink), CategoryEmail},
		{untimed(EmbeddedMagicLink), CategoryNone},
		{untimed("oauth/oauth_google"), CategoryEmail},
		{untimed(SMS), CategoryPhone},
		{untimed(WhatsApp), CategoryPhone},
		{untimed(TOTP), CategorySecondFactor},
		{untimed(RecoveryCode), CategorySecondFactor},
		{untimed(WebAuthn), CategorySecondFactor},
		{untimed("otp/carrier_pigeon"), CategoryNone},
		{untimed("sso/sso_saml"), CategoryNone},
		{untimed("crypto/crypto_wallet"), CategoryNone},
		{untimed("impersonated/impersonation"), CategoryNone},
		{sessions.AuthenticationFactor{}, CategoryNone},
	}
	for _, tt := range tests {
		if got := CategoryOf(tt.af); got != tt.want {
			t.Errorf("CategoryOf(%s/%s) = %q, want %q", tt.af.Type, tt.af.DeliveryMethod, got, tt.want)
		}
	}
}

func TestRequirementStrings(t *testing.T) {
	for r, want := range map[Requirement]string{
		SMS:                   "otp/sms",
		Factor(""):            "*",
		AnyOf(TOTP, SMS):      "totp/authenticator_app|otp/sms",
		AnyOf(SMS, ""):        "otp/sms|*",
		DistinctCategories(2): "distinct_categories>=2",
	} {
		if got := r.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestCheckFactors(t *testing.T) {
	passwordAndSMS := Policy{Require: []Requirement{Password, SMS}}
	totpOrSMS := Policy{Require: []Requirement{Password, AnyOf(TOTP, SMS)}}
	twoCategories := Policy{Require: []Requirement{DistinctCategories(2)}}

	tests := []struct {
		name        string
		policy      Policy
		session     *sessions.Session
		want        Decision
		wantMissing []string
	}{
		{"nil session", passwordAndSMS, nil, Login, nil},
		{"nil session, zero policy", Policy{}, nil, Login, nil},
		{"session without factors", Policy{}, session(), Login, nil},
		{"zero policy, one factor", Policy{}, session(at(MagicLink, time.Hour)), Allow, nil},

		{"password and sms", passwordAndSMS, session(at(Password, 0), at(SMS, 0)), Allow, nil},
		{"order does not matter", passwordAndSMS, session(at(SMS, 0), at(Password, 0)), Allow, nil},
		{"password only", passwordAndSMS, session(at(Password, 0)), MFA, []string{"otp/sms"}},
		{"sms only", passwordAndSMS, session(at(SMS, 0)), MFA, []string{"password/knowledge"}},
		{"whatsapp is not sms", passwordAndSMS, session(at(Password, 0), at(WhatsApp, 0)), MFA, []string{"otp/sms"}},
		{"email otp is not sms", passwordAndSMS, session(at(Password, 0), at(EmailOTP, 0)), MFA, []string{"otp/sms"}},
		{"two factors, wrong ones", passwordAndSMS, session(at(MagicLink, 0), at(TOTP, 0)), MFA, []string{"password/knowledge", "otp/sms"}},
		{"timestamps are irrelevant to presence", passwordAndSMS, session(untimed(Password), untimed(SMS)), Allow, nil},

		{"alternative: totp", totpOrSMS, session(at(Password, 0), at(TOTP, 0)), Allow, nil},
		{"alternative: sms", totpOrSMS, session(at(Password, 0), at(SMS, 0)), Allow, nil},
		{"alternative: neither", totpOrSMS, session(at(Password, 0), at(EmailOTP, 0)), MFA, []string{"totp/authenticator_app|otp/sms"}},
		{"empty AnyOf is never met", Policy{Require: []Requirement{AnyOf()}}, session(at(Password, 0)), MFA, []string{"|"}},
		{"nil requirement is never met", Policy{Require: []Requirement{nil}}, session(at(Password, 0)), MFA, []string{"<nil>"}},

		{"categories: password + email otp", twoCategories, session(at(Password, 0), at(EmailOTP, 0)), Allow, nil},
		{"categories: email otp + sms", twoCategories, session(at(EmailOTP, 0), at(SMS, 0)), Allow, nil},
		{"categories: magic link + totp", twoCategories, session(at(MagicLink, 0), at(TOTP, 0)), Allow, nil},
		{"categories: password + oauth", twoCategories, session(at(Password, 0), at("oauth/oauth_google", 0)), Allow, nil},
		{"categories: sms + whatsapp", twoCategories, session(at(SMS, 0), at(WhatsApp, 0)), MFA, []string{"distinct_categories>=2"}},
		{"categories: two phones", twoCategories, session(at(SMS, 0), at(SMS, 0)), MFA, []string{"distinct_categories>=2"}},
		{"categories: magic link + oauth", twoCategories, session(at(MagicLink, 0), at("oauth/oauth_google", 0)), MFA, []string{"distinct_categories>=2"}},
		{"categories: totp + recovery code", twoCategories, session(at(TOTP, 0), at(RecoveryCode, 0)), MFA, []string{"distinct_categories>=2"}},
		{"categories: unknown does not count", twoCategories, session(at(Password, 0), at("sso/sso_saml", 0)), MFA, []string{"distinct_categories>=2"}},
		{"categories: three of three", Policy{Require: []Requirement{DistinctCategories(3)}}, session(at(Password, 0), at(SMS, 0), at(TOTP, 0)), Allow, nil},
		{"categories: zero is always met", Policy{Require: []Requirement{DistinctCategories(0)}}, session(at("sso/sso_saml", 0)), Allow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.policy.Check(tt.session, now)
			if res.Decision != tt.want {
				t.Errorf("Decision = %v, want %v", res.Decision, tt.want)
			}
			if got := names(res.Missing); !reflect.DeepEqual(got, tt.wantMissing) {
				t.Errorf("Missing = %q, want %q", got, tt.wantMissing)
			}
			if len(res.Stale) != 0 {
				t.Errorf("Stale = %+v, want none", res.Stale)
			}
			if res.Allowed() != (tt.want == Allow) {
				t.Errorf("Allowed() = %v", res.Allowed())
			}
		})
	}
}

func names(reqs []Requirement) []string {
	var s []string
	for _, r := range reqs {
		if r == nil {
			s = append(s, "<nil>")
			continue
		}
		s = append(s, r.String())
	}
	return s
}

func TestCheckRecency(t *testing.T) {
	const window = 5 * time.Minute
	sensitive := Policy{Require: []Requirement{Password, SMS}}.WithStepUp(SMS, window)
	ptr := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }

	// stale describes the expected single StaleFactor; nil means fresh.
	type stale struct {
		factor *Factor // kind of the reported factor; nil: none reported
		last   *time.Time
		age    time.Duration
	}
	sms := SMS
	tests := []struct {
		name    string
		policy  Policy
		session *sessions.Session
		want    Decision
		stale   *stale
	}{
		{"fresh", sensitive, session(at(Password, time.Hour), at(SMS, time.Minute)), Allow, nil},
		{"just authenticated", sensitive, session(at(Password, time.Hour), at(SMS, 0)), Allow, nil},
		{"age == MaxAge is fresh", sensitive, session(at(Password, time.Hour), at(SMS, window)), Allow, nil},
		{"age == MaxAge+1ns is stale", sensitive, session(at(Password, 0), at(SMS, window+1)), StepUp,
			&stale{&sms, ptr(window + 1), window + 1}},
		{"an hour old", sensitive, session(at(Password, 0), at(SMS, time.Hour)), StepUp,
			&stale{&sms, ptr(time.Hour), time.Hour}},
		{"only the step-up factor's age counts", sensitive, session(at(Password, 0), at(SMS, time.Hour)), StepUp,
			&stale{&sms, ptr(time.Hour), time.Hour}},
		{"old password is fine", sensitive, session(at(Password, 24*time.Hour), at(SMS, 0)), Allow, nil},
		{"nil last_authenticated_at is never fresh", sensitive, session(at(Password, 0), untimed(SMS)), StepUp,
			&stale{&sms, nil, 0}},
		{"freshest of several matching factors counts", sensitive, session(at(Password, 0), at(SMS, time.Hour), at(SMS, time.Minute)), Allow, nil},
		{"freshest stale candidate is reported", sensitive, session(at(Password, 0), at(SMS, time.Hour), untimed(SMS), at(SMS, 10*time.Minute)), StepUp,
			&stale{&sms, ptr(10 * time.Minute), 10 * time.Minute}},

		{"skew: 30s in the future counts as age 0", sensitive, session(at(Password, 0), at(SMS, -30*time.Second)), Allow, nil},
		{"skew: exactly at default tolerance", sensitive, session(at(Password, 0), at(SMS, -DefaultClockSkew)), Allow, nil},
		{"skew: beyond default tolerance is invalid", sensitive, session(at(Password, 0), at(SMS, -DefaultClockSkew-1)), StepUp,
			&stale{&sms, ptr(-DefaultClockSkew - 1), -DefaultClockSkew - 1}},
		{"skew: far future is invalid", sensitive, session(at(Password, 0), at(SMS, -24*time.Hour)), StepUp,
			&stale{&sms, ptr(-24 * time.Hour), -24 * time.Hour}},
		{"skew: a valid stale timestamp is preferred over an invalid one", sensitive, session(at(Password, 0), at(SMS, -time.Hour), at(SMS, time.Hour)), StepUp,
			&stale{&sms, ptr(time.Hour), time.Hour}},
		{"skew: a fresh factor wins over an invalid one", sensitive, session(at(Password, 0), at(SMS, -time.Hour), at(SMS, time.Minute)), Allow, nil},
		{"skew: custom tolerance", withSkew(sensitive, 2*time.Minute), session(at(Password, 0), at(SMS, -90*time.Second)), Allow, nil},
		{"skew: negative means none", withSkew(sensitive, -1), session(at(Password, 0), at(SMS, -1)), StepUp,
			&stale{&sms, ptr(-1), -1}},
		{"skew: none, exactly now", withSkew(sensitive, -1), session(at(Password, 0), at(SMS, 0)), Allow, nil},

		{"zero MaxAge means default: boundary fresh", Policy{}.WithStepUp(SMS, 0), session(at(SMS, DefaultMaxAge)), Allow, nil},
		{"zero MaxAge means default: beyond", Policy{}.WithStepUp(SMS, 0), session(at(SMS, DefaultMaxAge+1)), StepUp,
			&stale{&sms, ptr(DefaultMaxAge + 1), DefaultMaxAge + 1}},
		{"zero Factor means any factor", Policy{Recency: []Recency{{MaxAge: window}}}, session(at(Password, time.Hour), at(TOTP, time.Minute)), Allow, nil},
		{"alternatives as matcher", Policy{}.WithStepUp(AnyOf(TOTP, SMS), window), session(at(Password, 0), at(TOTP, time.Minute)), Allow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.policy.Check(tt.session, now)
			if res.Decision != tt.want {
				t.Fatalf("Decision = %v, want %v (result %+v)", res.Decision, tt.want, res)
			}
			if len(res.Missing) != 0 {
				t.Errorf("Missing = %q", names(res.Missing))
			}
			if tt.stale == nil {
				if len(res.Stale) != 0 {
					t.Errorf("Stale = %+v, want none", res.Stale)
				}
				return
			}
			if len(res.Stale) != 1 {
				t.Fatalf("Stale = %+v, want one", res.Stale)
			}
			got := res.Stale[0]
			if got.Recency.MaxAge == 0 {
				t.Errorf("Recency.MaxAge not defaulted")
			}
			switch {
			case tt.stale.factor == nil && got.Factor != nil:
				t.Errorf("Factor = %+v, want nil", got.Factor)
			case tt.stale.factor != nil && (got.Factor == nil || !tt.stale.factor.Match(*got.Factor)):
				t.Errorf("Factor = %+v, want a %s", got.Factor, *tt.stale.factor)
			}
			if !reflect.DeepEqual(got.LastAuthenticatedAt, tt.stale.last) {
				t.Errorf("LastAuthenticatedAt = %v, want %v", got.LastAuthenticatedAt, tt.stale.last)
			}
			if got.Age != tt.stale.age {
				t.Errorf("Age = %v, want %v", got.Age, tt.stale.age)
			}
		})
	}
}

func withSkew(p Policy, skew time.Duration) Policy {
	p.ClockSkew = skew
	return p
}

func TestCheckMissingAndStale(t *testing.T) {
	p := Policy{Require: []Requirement{Password, SMS}}.WithStepUp(SMS, time.Minute).WithStepUp(Password, time.Hour)
	res := p.Check(session(at(Password, 2*time.Hour)), now)
	if res.Decision != MFA {
		t.Fatalf("Decision = %v, want MFA: missing wins over stale", res.Decision)
	}
	if got := names(res.Missing); !reflect.DeepEqual(got, []string{"otp/sms"}) {
		t.Errorf("Missing = %q, want otp/sms once (required and step-up)", got)
	}
	if len(res.Stale) != 1 || res.Stale[0].Recency.Factor != Password {
		t.Errorf("Stale = %+v, want only the password: an absent factor is missing, not stale", res.Stale)
	}
}

// A step-up factor the session never had is missing (MFA), not stale (step-up): there is nothing
// to re-challenge.
func TestCheckStepUpFactorAbsent(t *testing.T) {
	res := Policy{}.WithStepUp(SMS, 5*time.Minute).Check(session(at(Password, 0), at(TOTP, 0)), now)
	if res.Decision != MFA || !reflect.DeepEqual(names(res.Missing), []string{"otp/sms"}) || len(res.Stale) != 0 {
		t.Errorf("result %+v, want MFA missing otp/sms", res)
	}
}

func TestCheckDoesNotAliasSession(t *testing.T) {
	s := session(at(Password, 0), at(SMS, time.Hour))
	res := Policy{}.WithStepUp(SMS, time.Minute).Check(s, now)
	res.Stale[0].Factor.Type = "mutated"
	if s.AuthenticationFactors[1].Type != sessions.AuthenticationFactorTypeOTP {
		t.Error("StaleFactor.Factor aliases the session's factor")
	}
}

func TestWithStepUpCopies(t *testing.T) {
	base := Policy{Recency: make([]Recency, 1, 4)}
	a := base.WithStepUp(SMS, time.Minute)
	b := base.WithStepUp(TOTP, time.Minute)
	if len(base.Recency) != 1 || a.Recency[1].Factor != SMS || b.Recency[1].Factor != TOTP {
		t.Errorf("WithStepUp shares storage: base %v, a %v, b %v", base.Recency, a.Recency, b.Recency)
	}
}

func TestDecisionStrings(t *testing.T) {
	tests := []struct {
		d           Decision
		str, reason string
	}{
		{Login, "login", "unauthenticated"},
		{MFA, "mfa", "missing_factor"},
		{StepUp, "step_up", "stale_factor"},
		{Allow, "allow", ""},
		{Decision(42), "unknown", "unauthenticated"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.d.Reason(); got != tt.reason {
			t.Errorf("%v.Reason() = %q, want %q", tt.d, got, tt.reason)
		}
	}
	var zero Result
	if zero.Allowed() || zero.Decision != Login {
		t.Error("zero Result must deny with Login")
	}
}
