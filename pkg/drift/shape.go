package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Shape is the normalised shape of a JSON body: for every JSON path in it, what is found there.
// Values are never kept, only their kinds and formats, so two runs of the same flow against the
// same server give the same Shape.
//
// Paths: RootPath ("$") is the body itself; an object's field is parent.key (just key at the top
// level, e.g. session.expires_at), with ["..."] for keys that are not plain identifiers; the
// elements of an array at p are p[] (merged: see below). The types are:
//
//   - "object", "array" (at least one element), "empty_array", "null", "bool", "number";
//   - for strings, the format StringFormat reports: "user_id" and the other IDs, "token", "jwt",
//     "rfc3339", "rfc3339_fractional", "email", "e164", "otp_code", "recovery_code", "base32",
//     "data_url", "uuid", "string" or "empty_string";
//   - for a body that is not JSON, "not_json" (at RootPath); one that could not be read, "unread".
//
// The elements of an array are merged: p[] and the paths under it hold the union of what the
// elements hold. Where the elements disagree, the type lists every kind found, sorted and joined
// by "|" (e.g. "null|rfc3339"); a nested array that is empty in some elements and not in others is
// "array". A nil Shape is an empty body.
type Shape map[string]string

// RootPath is the Shape path of the body itself.
const RootPath = "$"

// Types of Shape besides the string formats.
const (
	TypeObject     = "object"      // a JSON object
	TypeArray      = "array"       // an array with at least one element
	TypeEmptyArray = "empty_array" // an empty array
	TypeNull       = "null"        // JSON null
	TypeBool       = "bool"        // true or false
	TypeNumber     = "number"      // any JSON number
	TypeNotJSON    = "not_json"    // a body that is not one JSON value (at RootPath)
	TypeUnread     = "unread"      // a body that could not be read (at RootPath)
)

// ShapeOf returns the Shape of a JSON body: nil for an empty body (only white space), a Shape with
// RootPath "not_json" for one that is not a single JSON value.
func ShapeOf(body []byte) Shape {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Shape{RootPath: TypeNotJSON}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Shape{RootPath: TypeNotJSON}
	}
	return ShapeOfValue(v)
}

// ShapeOfValue returns the Shape of a decoded JSON value (as encoding/json decodes into an any:
// map[string]any, []any, string, float64 or json.Number, bool, nil). Other Go types count as
// "string" when they are strings underneath and "number" otherwise; use ShapeOf for raw bodies.
func ShapeOfValue(v any) Shape {
	s := shaper{}
	s.walk("", v)
	return s.shape()
}

// shaper collects the set of types seen at each path.
type shaper map[string]map[string]bool

func (s shaper) add(path, typ string) {
	if path == "" {
		path = RootPath
	}
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][typ] = true
}

func (s shaper) walk(path string, v any) {
	switch v := v.(type) {
	case nil:
		s.add(path, TypeNull)
	case bool:
		s.add(path, TypeBool)
	case string:
		s.add(path, StringFormat(v))
	case map[string]any:
		s.add(path, TypeObject)
		for k, x := range v {
			s.walk(childPath(path, k), x)
		}
	case []any:
		if len(v) == 0 {
			s.add(path, TypeEmptyArray)
		} else {
			s.add(path, TypeArray)
		}
		for _, x := range v {
			s.walk(path+"[]", x)
		}
	default: // json.Number, float64 and other numbers
		s.add(path, TypeNumber)
	}
}

// shape joins the type sets.
func (s shaper) shape() Shape {
	out := make(Shape, len(s))
	for path, set := range s {
		if set[TypeArray] {
			delete(set, TypeEmptyArray)
		}
		types := make([]string, 0, len(set))
		for t := range set {
			types = append(types, t)
		}
		slices.Sort(types)
		out[path] = strings.Join(types, "|")
	}
	return out
}

// plainKey matches object keys written as is in paths.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// childPath is the path of key under parent ("" is the root).
func childPath(parent, key string) string {
	if !plainKey.MatchString(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// isUnder reports whether path is strictly below ancestor in the Shape path syntax.
func isUnder(path, ancestor string) bool {
	if ancestor == RootPath {
		return path != RootPath
	}
	if len(path) <= len(ancestor) || !strings.HasPrefix(path, ancestor) {
		return false
	}
	c := path[len(ancestor)]
	return c == '.' || c == '['
}

// String formats of StringFormat, besides the ID formats (user_id, session_id, ...).
const (
	FormatString       = "string"             // any other non-empty string
	FormatEmpty        = "empty_string"       // ""
	FormatToken        = "token"              // 44 base64url characters
	FormatJWT          = "jwt"                // a JSON Web Token
	FormatRFC3339      = "rfc3339"            // an RFC 3339 timestamp in whole seconds
	FormatRFC3339Frac  = "rfc3339_fractional" // an RFC 3339 timestamp with a fraction of a second
	FormatEmail        = "email"              // an email address
	FormatE164         = "e164"               // an E.164 phone number
	FormatOTPCode      = "otp_code"           // six digits
	FormatRecoveryCode = "recovery_code"      // a TOTP recovery code, xxxx-xxxx-xxxx
	FormatBase32       = "base32"             // a base32 string of 16+ characters (TOTP secrets)
	FormatDataURL      = "data_url"           // a data: URL (QR codes)
	FormatUUID         = "uuid"               // a bare UUID
)

const uuidPattern = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

var (
	prefixedIDRE = regexp.MustCompile(`^([a-z][a-z0-9]*(?:-[a-z0-9]+)*?)-(?:test|live)-` + uuidPattern + `$`)
	uuidRE       = regexp.MustCompile(`^` + uuidPattern + `$`)
	jwtRE        = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)
	rfc3339RE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	emailRE      = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)
	e164RE       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	otpCodeRE    = regexp.MustCompile(`^[0-9]{6}$`)
	recoveryRE   = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)
	base32RE     = regexp.MustCompile(`^[A-Z2-7]{16,}=*$`)
	tokenRE      = regexp.MustCompile(`^[A-Za-z0-9_=-]{44}$`)
)

// StringFormat classifies a JSON string, masking its value:
//
//   - Stytch IDs, <prefix>-test-<uuid> or <prefix>-live-<uuid>, by prefix: "user_id",
//     "session_id", "email_id", "phone_id" (phone-number-), "totp_id", "request_id" (request-id-),
//     "jwk_id", "password_id", "recovery_code_id" (totp-recovery-code-), "project_id"; any other
//     prefix gives <prefix>_id with dashes as underscores;
//   - "uuid": a bare lowercase UUID;
//   - "jwt": three base64url segments, the first starting eyJ;
//   - "rfc3339": an RFC 3339 timestamp in whole seconds (no fraction); "rfc3339_fractional": with
//     a fraction of a second;
//   - "data_url": data:...; "email": local@domain.tld; "e164": +<7 to 15 digits>;
//   - "otp_code": six digits; "recovery_code": xxxx-xxxx-xxxx (lowercase alphanumerics);
//   - "base32": 16 or more characters of the base32 alphabet (TOTP secrets);
//   - "token": 44 base64url characters (session tokens, reset tokens);
//   - "empty_string", else "string".
func StringFormat(s string) string {
	switch {
	case s == "":
		return FormatEmpty
	case prefixedIDRE.MatchString(s):
		return idFormat(prefixedIDRE.FindStringSubmatch(s)[1])
	case uuidRE.MatchString(s):
		return FormatUUID
	case jwtRE.MatchString(s):
		return FormatJWT
	case rfc3339RE.MatchString(s):
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return FormatString
		}
		if strings.Contains(s, ".") {
			return FormatRFC3339Frac
		}
		return FormatRFC3339
	case strings.HasPrefix(s, "data:"):
		return FormatDataURL
	case emailRE.MatchString(s):
		return FormatEmail
	case e164RE.MatchString(s):
		return FormatE164
	case otpCodeRE.MatchString(s):
		return FormatOTPCode
	case recoveryRE.MatchString(s):
		return FormatRecoveryCode
	case base32RE.MatchString(s):
		return FormatBase32
	case tokenRE.MatchString(s):
		return FormatToken
	}
	return FormatString
}

// idFormat names the ID format of a prefix (the part before -test- or -live-).
func idFormat(prefix string) string {
	switch prefix {
	case "user", "session", "email", "totp", "jwk", "password", "project":
		return prefix + "_id"
	case "phone-number":
		return "phone_id"
	case "request-id":
		return "request_id"
	case "totp-recovery-code":
		return "recovery_code_id"
	}
	name := strings.ReplaceAll(prefix, "-", "_")
	if strings.HasSuffix(name, "_id") {
		return name
	}
	return name + "_id"
}

// isIDFormat reports whether a StringFormat result is an identifier.
func isIDFormat(f string) bool { return f == FormatUUID || strings.HasSuffix(f, "_id") }

// MaskPath masks the identifiers in a URL path: every segment that StringFormat classifies as an
// ID becomes {<format>}, e.g. /v1/users/user-test-<uuid> → /v1/users/{user_id}. Other segments
// are kept.
func MaskPath(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if f := StringFormat(seg); isIDFormat(f) {
			segs[i] = "{" + f + "}"
		}
	}
	return strings.Join(segs, "/")
}
