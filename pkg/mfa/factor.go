package mfa

import (
	"strconv"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// Factor names a kind of session authentication factor as
// "type/delivery_method", using Stytch's values, e.g. "otp/sms" or
// "password/knowledge". Either half may be "*", or the delivery method
// omitted (as in "oauth"), to match anything. Alternatives are separated by
// "|" (see AnyOf), e.g. "totp/authenticator_app|otp/sms".
//
// A Factor is a Requirement (the session carries a matching factor) and
// selects the factor a Recency checks. The zero Factor "" matches every
// factor.
type Factor string

// Factors of Stytch consumer sessions.
const (
	Password  Factor = "password/knowledge" // Password.
	SMS       Factor = "otp/sms"            // One-time passcode by SMS.
	WhatsApp  Factor = "otp/whatsapp"       // One-time passcode by WhatsApp.
	EmailOTP  Factor = "otp/email"          // One-time passcode by email.
	MagicLink Factor = "magic_link/email"   // Email magic link.
	// EmbeddedMagicLink is an embeddable magic link (POST /v1/magic_links), which the app delivers
	// itself: it proves no email, so it belongs to no category (see CategoryOf).
	EmbeddedMagicLink Factor = "magic_link/embedded"
	OAuth             Factor = "oauth/*"                        // OAuth with any provider.
	TOTP              Factor = "totp/authenticator_app"         // Authenticator-app code.
	RecoveryCode      Factor = "recovery_codes/recovery_code"   // TOTP recovery code.
	WebAuthn          Factor = "webauthn/webauthn_registration" // WebAuthn or passkey.
)

// AnyOf returns the Factor matching any of fs, e.g. AnyOf(TOTP, SMS) for
// "TOTP or SMS as the second factor". A zero Factor among fs matches every
// factor, as it does alone. AnyOf() with no arguments returns "|", which has
// no alternatives and matches nothing.
func AnyOf(fs ...Factor) Factor {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.String()
	}
	if len(s) == 0 {
		return "|"
	}
	return Factor(strings.Join(s, "|"))
}

// Match reports whether af is of a kind f names.
func (f Factor) Match(af sessions.AuthenticationFactor) bool {
	if f == "" {
		return true
	}
	for rest := string(f); rest != ""; {
		var alt string
		alt, rest, _ = strings.Cut(rest, "|")
		if alt == "" {
			continue
		}
		t, d, _ := strings.Cut(alt, "/")
		if wild(t, string(af.Type)) && wild(d, string(af.DeliveryMethod)) {
			return true
		}
	}
	return false
}

func wild(pattern, v string) bool { return pattern == "" || pattern == "*" || pattern == v }

// Met reports whether any of factors matches f.
func (f Factor) Met(factors []sessions.AuthenticationFactor) bool {
	for _, af := range factors {
		if f.Match(af) {
			return true
		}
	}
	return false
}

// String returns f as written, e.g. "otp/sms", except that the zero Factor
// is "*".
func (f Factor) String() string {
	if f == "" {
		return "*"
	}
	return string(f)
}

// Category groups factors that prove the same thing, so that two factors of
// one category do not make two independent factors (an SMS and a WhatsApp
// code both prove control of the phone). See CategoryOf for the table. The
// zero Category is CategoryNone.
type Category string

// Factor categories.
const (
	CategoryNone         Category = ""              // Unknown or not a standalone proof; never counted.
	CategoryKnowledge    Category = "knowledge"     // Password.
	CategoryEmail        Category = "email"         // Email OTP, magic link, OAuth (an email-bound identity).
	CategoryPhone        Category = "phone"         // SMS or WhatsApp OTP.
	CategorySecondFactor Category = "second_factor" // TOTP, recovery code, WebAuthn.
)

// CategoryOf returns the category of af:
//
//	knowledge      password
//	email          otp/email, email_otp, magic_link (email), oauth (any provider)
//	phone          otp/sms, otp/whatsapp
//	second_factor  totp, recovery_codes, webauthn
//	none           anything else (embeddable magic links, sso, crypto, impersonated, imported, ...)
//
// OAuth counts as email-based because the provider vouches for an
// email-bound identity: password + OAuth spans two categories, magic link +
// OAuth only one.
func CategoryOf(af sessions.AuthenticationFactor) Category {
	switch af.Type {
	case sessions.AuthenticationFactorTypePassword:
		return CategoryKnowledge
	case sessions.AuthenticationFactorTypeMagicLink:
		if af.DeliveryMethod == sessions.AuthenticationFactorDeliveryMethodEmbedded {
			return CategoryNone
		}
		return CategoryEmail
	case sessions.AuthenticationFactorTypeEmailOTP, sessions.AuthenticationFactorTypeOAuth:
		return CategoryEmail
	case sessions.AuthenticationFactorTypeOTP:
		switch af.DeliveryMethod {
		case sessions.AuthenticationFactorDeliveryMethodEmail:
			return CategoryEmail
		case sessions.AuthenticationFactorDeliveryMethodSms, sessions.AuthenticationFactorDeliveryMethodWhatsapp:
			return CategoryPhone
		}
	case sessions.AuthenticationFactorTypeTOTP, sessions.AuthenticationFactorTypeRecoveryCodes,
		sessions.AuthenticationFactorTypeWebAuthn:
		return CategorySecondFactor
	}
	return CategoryNone
}

// DistinctCategories is the requirement that the session's factors span at
// least that many distinct categories (see CategoryOf), e.g.
// DistinctCategories(2) for "any two independent factors". Factors of
// CategoryNone do not count. Zero or less is always met.
type DistinctCategories int

// Met reports whether factors span at least n distinct categories.
func (n DistinctCategories) Met(factors []sessions.AuthenticationFactor) bool {
	seen := make(map[Category]bool, len(factors))
	for _, af := range factors {
		if c := CategoryOf(af); c != CategoryNone {
			seen[c] = true
		}
	}
	return len(seen) >= int(n)
}

// String returns "distinct_categories>=n".
func (n DistinctCategories) String() string {
	return "distinct_categories>=" + strconv.Itoa(int(n))
}

// Requirement is one condition on the set of factors a session carries.
// Factor and DistinctCategories implement it; so can your own types.
// A nil Requirement in a Policy is never met.
type Requirement interface {
	// Met reports whether factors satisfy the requirement.
	Met(factors []sessions.AuthenticationFactor) bool
	// String names the requirement in results and HTTP responses.
	String() string
}
