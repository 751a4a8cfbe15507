package emulator

import (
	"fmt"
	"net/http"
)

// Error is a Stytch API error as the emulator answers it: the HTTP status comes from the one error
// catalogue (StatusOf), so a given error_type always has the same status everywhere. The zero value is
// not a meaningful error; build one with newError.
type Error struct {
	// Status is the HTTP status and the body's status_code.
	Status int
	// Type is Stytch's error_type, e.g. "session_not_found".
	Type string
	// Message is the human-readable error_message: Stytch's documented text where a source gives
	// it (see documentedMessage), else the emulator's own wording.
	Message string
	// Details becomes error_details when non-nil.
	Details map[string]any
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message)
}

// newError builds an Error whose status is looked up in the catalogue. Its message is Stytch's
// documented error_message for the type when a source gives one; otherwise format and args.
func newError(errorType, format string, args ...any) *Error {
	msg, ok := documentedMessage(errorType)
	if !ok {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Status: StatusOf(errorType), Type: errorType, Message: msg}
}

// documentedMessage returns Stytch's own error_message for an error type, where one of these
// sources gives it (each row names its source; the first that gives a text wins, in this order):
//   - API-ERR: Stytch's API error reference, https://stytch.com/docs/api/errors/<status> (the
//     consumer pages, also at https://stytch.com/docs/api-reference/consumer/api/errors/<status>),
//     and the error examples of its endpoint reference pages;
//   - OPENAPI: the error examples of Stytch's published OpenAPI description
//     (internal/contract/testdata/stytch-consumer-core.json);
//   - IOS-L10N: the official iOS SDK's texts of the "most common API errors", stytch-ios
//     Sources/StytchUI/Localization/LocalizationManager.swift (an earlier version of the file);
//   - WEB-ERR: the official JavaScript SDK's error texts, stytch-browser
//     packages/web/src/utils/getTranslatedError.ts.
//
// Types without a row keep the emulator's own, specific wording (unconfirmed against Stytch); so
// does bad_request, whose reference text ("The submitted request is invalid.") describes the
// class rather than the request.
func documentedMessage(errorType string) (string, bool) {
	switch errorType {
	case "unauthorized_credentials": // OPENAPI (every operation's 401 example); IOS-L10N, WEB-ERR agree
		return "Unauthorized credentials.", true
	case "too_many_requests": // OPENAPI (429 examples); IOS-L10N agrees
		return "Too many requests have been made.", true
	case "internal_server_error": // OPENAPI (500 examples)
		return "Oops, something seems to have gone wrong, please reach out to support@stytch.com to let us know what went wrong.", true
	case "consumer_session_authorization_error": // API-ERR 403
		return "The User is not authorized to perform the requested action on that resource.", true
	case "active_totp_exists": // API-ERR 400
		return "Cannot create a new TOTP for the specified user since the user already has an active TOTP. Users may only have one active TOTP at a time.", true
	case "email_not_found": // API-ERR 404
		return "There is not a user in this project associated with the supplied email or email_id.", true
	case "user_not_found": // API-ERR (error examples of the endpoint reference pages)
		return "User could not be found.", true
	case "biometric_registration_not_found": // API-ERR 404
		return "Biometric registration could not be found.", true
	case "crypto_wallet_not_found": // API-ERR 404
		return "Crypto wallet could not be found.", true
	case "otp_code_not_found": // IOS-L10N
		return "The passcode was incorrect and could not be authenticated, encourage the user to try inputting the passcode again or send another passcode.", true
	case "unable_to_auth_otp_code": // IOS-L10N
		return "The passcode could not be authenticated because it was either already used or expired. Send another passcode to this user.", true
	case "breached_password": // IOS-L10N
		return "password appears in a list of breached passwords.", true
	case "weak_password": // IOS-L10N
		return "password doesn't meet our strength requirements.", true
	case "no_user_password": // IOS-L10N
		return "user doesn't have an associated password.", true
	case "reset_password": // IOS-L10N
		return "user must reset their password", true
	case "invalid_code": // IOS-L10N
		return "Code format is invalid.", true
	case "invalid_method_id": // IOS-L10N
		return "method_id format is invalid.", true
	case "invalid_email": // IOS-L10N, WEB-ERR
		return "Email format is invalid.", true
	case "invalid_phone_number": // IOS-L10N, WEB-ERR
		return "Phone number format is invalid. Ensure the phone number is in the E.164 format.", true
	case "invalid_phone_number_country_code": // IOS-L10N, WEB-ERR
		return "The phone number's country code is invalid, unsupported, or disabled.", true
	case "invalid_locale": // IOS-L10N
		return "locale is invalid.", true
	case "invalid_session_duration_minutes": // IOS-L10N
		return "session_duration_minutes is invalid, should be between 5 to 527040 minutes.", true
	case "session_not_found": // IOS-L10N
		return "Session could not be found.", true
	case "session_too_old_to_reset_password": // IOS-L10N
		return "The provided session cannot be used to reset a password. It does not have an authentication_factor that was authenticated within the last 5 minutes. Please prompt the user to authenticate again before retrying the endpoint.", true
	case "invalid_session_token": // WEB-ERR
		return "Invalid session token.", true
	case "user_lock_limit_reached": // IOS-L10N
		return "The user has been locked out due to too many failed authentication attempts. Please try again later.", true
	case "phone_number_not_found": // IOS-L10N
		return "Phone Number could not be found.", true
	case "duplicate_email": // IOS-L10N
		return "A user with the specified email already exists for this project.", true
	case "duplicate_phone_number": // IOS-L10N
		return "A user with the specified phone number already exists for this project.", true
	case "too_many_unverified_factors": // IOS-L10N
		return "We were unable to create a new auth factor. This user already has too many unverified factors.", true
	case "totp_code_already_authenticated": // IOS-L10N
		return "This TOTP code has already been authenticated. Please attempt with the next generated code.", true
	case "pkce_mismatch": // IOS-L10N
		return "The submitted code_verifier does not match the code_challenge sent at the start of the flow.", true
	case "pkce_expected_code_verifier": // IOS-L10N
		return "This flow was started using a code_challenge but the authentication call is missing the corresponding code_verifier.", true
	case "server_unavailable": // IOS-L10N
		return "Oops, something seems to have gone wrong. Please retry the request. If this issue persists, please reach out to support.", true
	}
	return "", false
}

// errorURL is the documentation URL the live API puts in error_url.
func errorURL(status int, errorType string) string {
	return fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, errorType)
}

// StatusOf returns the HTTP status the emulator answers for a Stytch error_type: the single error
// catalogue used by every handler and checked for every injected fault. Types whose status no Stytch source
// confirms take the most likely status (400 for argument errors). A type that is not in
// the catalogue maps to 400.
func StatusOf(errorType string) int {
	status, _ := catalogued(errorType)
	return status
}

// catalogued returns the status of an error_type and whether the catalogue knows it.
func catalogued(errorType string) (int, bool) {
	switch errorType {
	// 401: credentials and authentication failures.
	case "unauthorized_credentials", "unable_to_auth_otp_code", "unable_to_auth_magic_link", "attribute_mismatch",
		"unable_to_auth_password_reset_token", "unable_to_authenticate_totp",
		"unable_to_authenticate_recovery_code":
		return http.StatusUnauthorized, true
	// 403: forbidden by policy. The server's type is consumer_session_authorization_error
	// (API-ERR 403); session_authorization_error is the SDKs' local, client-side name.
	case "consumer_session_authorization_error":
		return http.StatusForbidden, true
	// 404: things that do not exist.
	case "route_not_found", "session_not_found", "user_not_found", "email_not_found",
		"phone_number_not_found", "otp_code_not_found", "totp_not_found", "password_not_found",
		"magic_link_not_found", "totps_not_found_for_user", "webauthn_registration_not_found",
		"biometric_registration_not_found", "crypto_wallet_not_found", "oauth_user_registration_not_found":
		return http.StatusNotFound, true
	case "method_not_allowed":
		return http.StatusMethodNotAllowed, true
	// 429: rate limits and locks.
	case "too_many_requests", "user_lock_limit_reached":
		return http.StatusTooManyRequests, true
	case "internal_server_error":
		return http.StatusInternalServerError, true
	// 501: a Stytch route the emulator does not emulate (see notEmulated in router.go).
	case "endpoint_not_emulated":
		return http.StatusNotImplemented, true
	case "server_unavailable":
		return http.StatusServiceUnavailable, true
	// 400: bad arguments and refused operations.
	case "bad_request", "active_totp_exists", "custom_claims_too_large", "duplicate_email",
		"duplicate_phone_number", "duplicate_user_external_id", "invalid_authorization_header",
		"invalid_bcrypt_hash", "invalid_code", "invalid_email", "invalid_expiration",
		"invalid_expiration_otp", "invalid_external_id", "invalid_locale", "invalid_pkce_code_challenge",
		"invalid_login_magic_link_url", "invalid_signup_magic_link_url", "invalid_invite_magic_link_url",
		"no_match_for_provided_magic_link_url", "pkce_did_not_expect_code_verifier",
		"pkce_expected_code_verifier", "pkce_mismatch", "invalid_hash", "invalid_hash_type",
		"invalid_method_id", "invalid_phone_number", "invalid_phone_number_country_code",
		"invalid_recovery_code", "invalid_session_duration_minutes", "invalid_session_token",
		"invalid_token", "invalid_totp_code", "invalid_user_id", "no_session_arguments",
		"no_session_revoke_arguments", "no_user_password", "recovery_code_used_as_totp_code",
		"reserved_claims_in_custom_claims", "reset_password", "session_too_old_to_reset_password",
		"stytch_claims_in_custom_claims", "too_many_session_arguments",
		"too_many_session_revoke_arguments", "too_many_unverified_factors",
		"totp_code_already_authenticated", "totp_code_used_as_recovery_code",
		"unable_to_parse_session_jwt", "unable_to_represent_custom_claims_json",
		"user_search_filter_name_not_recognized", "user_search_invalid_cursor",
		"user_search_invalid_limit", "user_search_invalid_operator", "weak_password",
		// Limits: Stytch's metadata restrictions, and the hash errors of passwords/migrate
		// (https://stytch.com/docs/api/password-migrate, "Common Error Types").
		"metadata_too_large", "metadata_too_many_keys", "invalid_argon_2_salt",
		"invalid_base64_scrypt_hash", "invalid_bcrypt_cost", "invalid_md_5_hash",
		"invalid_pbkdf_2_hash", "invalid_pbkdf_2_iteration_amount", "invalid_pbkdf_2_salt",
		"invalid_phpass_hash_prefix", "invalid_scrypt_salt_length", "invalid_sha_1_hash",
		"pbkdf_2_key_length_mismatch", "scrypt_key_length_mismatch",
		// Statuses UNCONFIRMED (argument errors, most likely 400): AND-ERR lists the types.
		"breached_password", "invalid_password_reset_redirect_url",
		"invalid_login_redirect_url", "invalid_exchange_primary_factor_fields", "invalid_exchange_primary_factor_user":
		return http.StatusBadRequest, true
	}
	return http.StatusBadRequest, false
}
