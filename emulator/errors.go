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
	// Message is the human-readable error_message (the emulator's own wording).
	Message string
	// Details becomes error_details when non-nil.
	Details map[string]any
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message)
}

// newError builds an Error whose status is looked up in the catalogue.
func newError(errorType, format string, args ...any) *Error {
	return &Error{Status: StatusOf(errorType), Type: errorType, Message: fmt.Sprintf(format, args...)}
}

// errorURL is the documentation URL the live API puts in error_url.
func errorURL(status int, errorType string) string {
	return fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, errorType)
}

// StatusOf returns the HTTP status the emulator answers for a Stytch error_type: the single error
// catalogue used by every handler and checked for every injected fault. Types marked UNCONFIRMED in
// stytch-api.md §2.2 take the most likely status (400 for argument errors). A type that is not in
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
	// 403: forbidden by policy.
	case "session_authorization_error":
		return http.StatusForbidden, true
	// 404: things that do not exist.
	case "route_not_found", "session_not_found", "user_not_found", "email_not_found",
		"phone_number_not_found", "otp_code_not_found", "totp_not_found", "password_not_found",
		"magic_link_not_found", "totps_not_found_for_user":
		return http.StatusNotFound, true
	case "method_not_allowed":
		return http.StatusMethodNotAllowed, true
	// 429: rate limits and locks.
	case "too_many_requests", "user_lock_limit_reached":
		return http.StatusTooManyRequests, true
	case "internal_server_error":
		return http.StatusInternalServerError, true
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
		"pbkdf_2_key_length_mismatch", "scrypt_key_length_mismatch":
		return http.StatusBadRequest, true
	}
	return http.StatusBadRequest, false
}
