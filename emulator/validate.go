package emulator

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// e164 is an E.164 phone number: +, a non-zero digit, 7 to 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// externalIDPattern is Stytch's external_id alphabet and length.
var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9._\-|]{1,128}$`)

// validEmail reports whether addr is a plain email address (no display name, a dotted domain).
func validEmail(addr string) bool {
	if len(addr) > 254 || strings.TrimSpace(addr) != addr {
		return false
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	return at > 0 && strings.Contains(addr[at+1:], ".")
}

// checkEmail validates a required email field.
func checkEmail(addr string) error {
	if addr == "" {
		return newError("invalid_email", "email is required.")
	}
	if !validEmail(addr) {
		return newError("invalid_email", "Email format is invalid.")
	}
	return nil
}

// checkPhone validates a required E.164 phone number field.
func checkPhone(number string) error {
	if number == "" {
		return newError("invalid_phone_number", "phone_number is required.")
	}
	if !e164.MatchString(number) {
		return newError("invalid_phone_number", "phone_number must be in E.164 format, e.g. +15555550123.")
	}
	return nil
}

// nanpOtherCountry reports whether a +1 area code belongs to a North American Numbering Plan
// country other than the United States (and its territories) and Canada.
func nanpOtherCountry(areaCode string) bool {
	switch areaCode {
	case "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721",
		"758", "767", "784", "809", "829", "849", "868", "869", "876":
		return true
	}
	return false
}

// checkSMSCountry enforces the project default that SMS goes only to US and Canadian numbers
// unless international SMS is enabled.
func (p *Project) checkSMSCountry(number string) error {
	if p.set.internationalSMS {
		return nil
	}
	if !strings.HasPrefix(number, "+1") || len(number) >= 5 && nanpOtherCountry(number[2:5]) {
		return newError("invalid_phone_number_country_code", "SMS to this country is not enabled for the project (US and Canada only by default; see WithInternationalSMS).")
	}
	return nil
}

// required answers a 400 naming a missing field of a type without a field-specific error.
func required(field string) *Error {
	return newError("bad_request", "%s is required.", field)
}

// Locales the SDKs enumerate for each kind of message: email (OTP email and password reset email:
// stytch-go otp/email/types.go, passwords/email/types.go) and SMS/WhatsApp (stytch-go
// otp/sms/types.go and otp/whatsapp/types.go, plus those stytch@14.2.0 adds in
// types/lib/b2c/otps_sms.d.ts).
var (
	emailLocales = []string{"en", "es", "pt-br", "fr"}
	phoneLocales = []string{"en", "es", "pt-br", "fr", "it", "de-DE", "zh-Hans", "ca-ES", "ja", "ru", "nl", "pl", "tr", "fa", "vi", "cs"}
)

// checkLocale answers invalid_locale for a locale outside allowed ("" means the default, en).
func checkLocale(locale string, allowed []string) error {
	if locale == "" || slices.Contains(allowed, locale) {
		return nil
	}
	return newError("invalid_locale", "locale must be one of %s.", strings.Join(allowed, ", "))
}

// validRedirectURL reports whether u is an absolute http(s) URL with a host, the shape of a
// redirect URL a Stytch project can register. Which URLs a project allows is dashboard
// configuration the emulator does not have: it accepts any such URL (and, for an omitted one,
// behaves as a project with a default set).
func validRedirectURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && p.User == nil
}
