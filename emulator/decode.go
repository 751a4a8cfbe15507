package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Strict request decoding. encoding/json matches object keys to struct fields case-insensitively
// and keeps the last of duplicate keys, so {"email":"x","EMAIL":"victim"} decodes as "victim"; it
// also rewrites invalid UTF-8 to U+FFFD. Stytch's request schemas are protobuf messages (the
// OpenAPI names them api_<service>_v1_<Message>, with int32 formats), parsed the way proto3's JSON
// mapping says: field names match exactly, duplicates are refused and strings must be valid UTF-8
// (the protobuf conformance suite's FieldNameDuplicate and StringFieldUnpaired*Surrogate cases).
// The emulator decodes the same way: keys match exactly (an unknown key, including a case variant
// of a field, is ignored like any unknown field), and a body with duplicate keys, keys differing
// only in case in an object the emulator reads fields from, or invalid UTF-8 anywhere is a 400.
//
// Integer fields accept any JSON number with an integral value: 60, 60.0 and 6e1 are all 60,
// 60.5 is refused. proto3's JSON mapping requires this (the conformance suite's
// Int32FieldFloatTrailingZero and Int32FieldExponentialFormat cases are REQUIRED), so a protobuf
// JSON parser like Stytch's accepts them; that Stytch does is inferred, not observed. Quoted
// numbers ("60"), which the mapping also allows, stay refused (unconfirmed either way).

// decodeJSON decodes body into v (a pointer) strictly, as above. Every failure is a 400
// bad_request whose message speaks JSON, never Go: "must be a string", not "of type string".
func decodeJSON(body []byte, v any) *Error {
	if err := checkUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError("bad_request", "The request body must be a single JSON object.")
	}
	tree, err := readTree(raw)
	if err != nil {
		return err
	}
	clean, err := conform(tree, reflect.TypeOf(v).Elem(), "")
	if err != nil {
		return err
	}
	out, merr := json.Marshal(clean)
	if merr == nil {
		merr = json.Unmarshal(out, v)
	}
	if merr != nil {
		// conform checked every type, so this is the emulator's bug; say so without Go's words.
		return newError("bad_request", "The request body does not have the expected shape.")
	}
	return nil
}

// checkUTF8 refuses a body that is not valid UTF-8 or that escapes an unpaired UTF-16 surrogate
// (\ud800 alone), both of which encoding/json would silently turn into U+FFFD.
func checkUTF8(body []byte) *Error {
	if !utf8.Valid(body) {
		return newError("bad_request", "The request body is not valid UTF-8.")
	}
	// A backslash only occurs inside JSON strings, so every \uXXXX escape can be found without
	// tracking strings; an escaped backslash is skipped with its escape.
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+1 >= len(body) || body[i+1] != 'u' {
			i++
			continue
		}
		r, ok := hex4(body, i+2)
		if !ok {
			i++ // a syntax error, reported by the JSON parser
			continue
		}
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return newError("bad_request", "The request body escapes an unpaired UTF-16 surrogate (offset %d).", i)
		case r >= 0xd800 && r <= 0xdbff:
			low, ok := rune(0), false
			if i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
				low, ok = hex4(body, i+8)
			}
			if !ok || utf16.DecodeRune(r, low) == utf8.RuneError {
				return newError("bad_request", "The request body escapes an unpaired UTF-16 surrogate (offset %d).", i)
			}
			i += 11
		default:
			i += 5
		}
	}
	return nil
}

// hex4 parses the four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// object is a JSON object with its keys in order, as read; the other JSON values are read as
// []any, string, json.Number, bool and nil.
type object struct {
	keys []string
	vals []any
}

// readTree reads one syntactically valid JSON value, refusing duplicate keys in any object.
func readTree(raw []byte) (any, *Error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		var aerr *Error
		if errors.As(err, &aerr) {
			return nil, aerr
		}
		return nil, decodeError(err)
	}
	return v, nil
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := &object{}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string)
			if seen[key] {
				return nil, newError("bad_request", "The request body repeats the key %q.", key)
			}
			seen[key] = true
			val, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			obj.keys, obj.vals = append(obj.keys, key), append(obj.vals, val)
		}
		_, err := dec.Token() // '}'
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			val, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, val)
		}
		_, err := dec.Token() // ']'
		return arr, err
	default:
		return tok, nil
	}
}

// plain turns a read value back into what encoding/json marshals: objects become maps.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			m[k] = plain(v.vals[i])
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	default:
		return v
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// conform checks a read value against the Go type it will be decoded into and returns it in the
// form encoding/json will decode exactly: struct objects keep only keys that name a field exactly,
// integers are written as integers. path names the value for error messages ("" is the body).
func conform(v any, t reflect.Type, path string) (any, *Error) {
	if v == nil {
		return nil, nil // null is every type's zero value
	}
	if t.Kind() == reflect.Pointer {
		return conform(v, t.Elem(), path)
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() == reflect.Interface {
		return plain(v), nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(*object)
		if !ok {
			return nil, wrongType(path, "an object", v)
		}
		fields := structFields(t)
		folded := make(map[string]string, len(obj.keys))
		out := make(map[string]any, len(obj.keys))
		for i, k := range obj.keys {
			fk := strings.ToLower(k)
			if prev, dup := folded[fk]; dup {
				return nil, newError("bad_request", "The request body has the keys %q and %q, which differ only in case.", join(path, prev), join(path, k))
			}
			folded[fk] = k
			ft, known := fields[k]
			if !known {
				continue // unknown keys are ignored, case variants of a field included
			}
			val, err := conform(obj.vals[i], ft, join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case reflect.Map:
		obj, ok := v.(*object)
		if !ok {
			return nil, wrongType(path, "an object", v)
		}
		out := make(map[string]any, len(obj.keys))
		for i, k := range obj.keys {
			val, err := conform(obj.vals[i], t.Elem(), join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil, wrongType(path, "an array", v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			val, err := conform(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	case reflect.String:
		if _, ok := v.(string); !ok {
			return nil, wrongType(path, "a string", v)
		}
		return v, nil
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return nil, wrongType(path, "a boolean", v)
		}
		return v, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return nil, wrongType(path, "an integer", v)
		}
		signed := t.Kind() <= reflect.Int64
		i, ok := integral(string(n), signed, t.Bits())
		if !ok {
			return nil, newError("bad_request", "Field %q must be an integer that fits in %d bits, not %s.", path, t.Bits(), clip(string(n)))
		}
		return json.Number(i), nil
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return nil, wrongType(path, "a number", v)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return nil, newError("bad_request", "Field %q is out of range: %s.", path, clip(string(n)))
		}
		return v, nil
	default:
		return plain(v), nil
	}
}

// integral returns the JSON number s as a plain integer when its value is one that fits in bits
// (signed or not): "60", "60.0", "6e1" and "600e-1" all give "60".
func integral(s string, signed bool, bits int) (string, bool) {
	fits := func(d string) bool {
		var err error
		if signed {
			_, err = strconv.ParseInt(d, 10, bits)
		} else {
			_, err = strconv.ParseUint(d, 10, bits)
		}
		return err == nil
	}
	if fits(s) {
		return s, true
	}
	neg := strings.HasPrefix(s, "-")
	mant, exp, _ := strings.Cut(strings.TrimPrefix(s, "-"), "e")
	if exp == "" {
		mant, exp, _ = strings.Cut(mant, "E")
	}
	whole, frac, _ := strings.Cut(mant, ".")
	e := 0
	if exp != "" {
		if len(exp) > 6 {
			return "", false // |e| >= 10^5 (or so): out of range, or not an integer
		}
		var err error
		if e, err = strconv.Atoi(exp); err != nil {
			return "", false
		}
	}
	digits := strings.TrimLeft(whole+frac, "0")
	e -= len(frac)
	if digits == "" {
		return "0", true
	}
	for strings.HasSuffix(digits, "0") {
		digits, e = digits[:len(digits)-1], e+1
	}
	if e < 0 || len(digits)+e > 20 {
		return "", false
	}
	d := digits + strings.Repeat("0", e)
	if neg {
		d = "-" + d
	}
	return d, fits(d)
}

// wrongType is the 400 for a value of the wrong JSON type.
func wrongType(path, want string, v any) *Error {
	got := "null"
	switch v.(type) {
	case *object:
		got = "an object"
	case []any:
		got = "an array"
	case string:
		got = "a string"
	case json.Number:
		got = "a number"
	case bool:
		got = "a boolean"
	}
	if path == "" {
		return newError("bad_request", "The request body must be %s, not %s.", want, got)
	}
	return newError("bad_request", "Field %q must be %s, not %s.", path, want, got)
}

// join appends a key to a field path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// clip shortens a number literal for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// structFields maps the exact JSON names of t's fields, as encoding/json names them (tag name,
// else the Go name; embedded structs' fields promoted), to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					if _, shadowed := out[k]; !shadowed {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
}

// decodeError turns a JSON syntax error into a Stytch-shaped 400.
func decodeError(err error) *Error {
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		return newError("bad_request", "The request body is not valid JSON (offset %d).", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newError("bad_request", "The request body is truncated JSON.")
	default:
		return newError("bad_request", "The request body is not valid JSON.")
	}
}
