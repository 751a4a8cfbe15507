package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type createUserParams struct {
	Email               string          `json:"email"`
	PhoneNumber         string          `json:"phone_number"`
	Name                *wireName       `json:"name"`
	Attributes          *wireAttributes `json:"attributes"`
	CreateUserAsPending bool            `json:"create_user_as_pending"`
	TrustedMetadata     map[string]any  `json:"trusted_metadata"`
	UntrustedMetadata   map[string]any  `json:"untrusted_metadata"`
	ExternalID          string          `json:"external_id"`
	Roles               []string        `json:"roles"`
}

type createUserResponse struct {
	meta
	UserID  string   `json:"user_id"`
	EmailID string   `json:"email_id"`
	Status  string   `json:"status"`
	PhoneID string   `json:"phone_id"`
	User    wireUser `json:"user"`
}

// createUser serves POST /v1/users (HTTP 201).
func createUser(c *call) (int, metaSetter, error) {
	var req createUserParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Email == "" && req.PhoneNumber == "" {
		return 0, nil, newError("bad_request", "email or phone_number is required.")
	}
	if req.Email != "" {
		if err := checkEmail(req.Email); err != nil {
			return 0, nil, err
		}
	}
	if req.PhoneNumber != "" {
		if err := checkPhone(req.PhoneNumber); err != nil {
			return 0, nil, err
		}
	}
	if req.ExternalID != "" && !externalIDPattern.MatchString(req.ExternalID) {
		return 0, nil, newError("invalid_external_id", "external_id must be 1-128 characters of A-Z a-z 0-9 . _ - |.")
	}
	if err := checkNewMetadata(req.TrustedMetadata, req.UntrustedMetadata); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &createUserResponse{}
	err := p.update(func(now time.Time) error {
		if req.Email != "" && p.ownerLocked(mediumEmail, req.Email, now) != nil {
			return newError("duplicate_email", "A user with this email already exists.")
		}
		if req.PhoneNumber != "" && p.ownerLocked(mediumPhone, req.PhoneNumber, now) != nil {
			return newError("duplicate_phone_number", "A user with this phone number already exists.")
		}
		if req.ExternalID != "" && p.externalIDs[req.ExternalID] != "" {
			return newError("duplicate_user_external_id", "A user with this external_id already exists.")
		}
		u, err := p.newUserLocked(now)
		if err != nil {
			return err
		}
		if req.CreateUserAsPending {
			u.status = "pending"
		}
		if req.Name != nil {
			u.name = *req.Name
		}
		u.trusted, u.untrusted, u.roles = compactValues(req.TrustedMetadata), compactValues(req.UntrustedMetadata), req.Roles
		if req.ExternalID != "" {
			u.externalID = req.ExternalID
			p.externalIDs[req.ExternalID] = u.id
		}
		resp.UserID, resp.Status = u.id, u.status
		if req.Email != "" {
			resp.EmailID = p.addContactLocked(u, mediumEmail, req.Email, false, time.Time{}).id
		}
		if req.PhoneNumber != "" {
			resp.PhoneID = p.addContactLocked(u, mediumPhone, req.PhoneNumber, false, time.Time{}).id
		}
		resp.User = u.wire(now)
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, resp, nil
}

type getUserResponse struct {
	meta
	wireUser
}

// getUser serves GET /v1/users/{user_id} (external_id accepted): the user, flattened.
func getUser(c *call) (int, metaSetter, error) {
	p := c.p
	resp := &getUserResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(c.param, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", c.param)
		}
		resp.wireUser = u.wire(now)
		return nil
	}))
}

type updateUserParams struct {
	Name              *wireName       `json:"name"`
	Attributes        *wireAttributes `json:"attributes"`
	TrustedMetadata   map[string]any  `json:"trusted_metadata"`
	UntrustedMetadata map[string]any  `json:"untrusted_metadata"`
	ExternalID        *string         `json:"external_id"`
	Roles             []string        `json:"roles"`
}

type updateUserResponse struct {
	meta
	UserID        string      `json:"user_id"`
	Emails        []wireEmail `json:"emails"`
	PhoneNumbers  []wirePhone `json:"phone_numbers"`
	CryptoWallets []any       `json:"crypto_wallets"`
	User          wireUser    `json:"user"`
}

// updateUser serves PUT /v1/users/{user_id}: name, metadata, external_id and roles. Emails and
// phones are added through OTP sends, as on the real API.
func updateUser(c *call) (int, metaSetter, error) {
	var req updateUserParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.ExternalID != nil && *req.ExternalID != "" && !externalIDPattern.MatchString(*req.ExternalID) {
		return 0, nil, newError("invalid_external_id", "external_id must be 1-128 characters of A-Z a-z 0-9 . _ - |.")
	}
	p := c.p
	resp := &updateUserResponse{CryptoWallets: []any{}}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(c.param, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", c.param)
		}
		if req.ExternalID != nil && *req.ExternalID != "" {
			if owner := p.externalIDs[*req.ExternalID]; owner != "" && owner != u.id {
				return newError("duplicate_user_external_id", "A user with this external_id already exists.")
			}
		}
		trusted, untrusted, err := mergeMetadata(u, req.TrustedMetadata, req.UntrustedMetadata)
		if err != nil {
			return err
		}
		if req.Name != nil {
			u.name = *req.Name
		}
		u.trusted, u.untrusted = trusted, untrusted
		if req.Roles != nil {
			u.roles = slices.Clone(req.Roles)
		}
		if req.ExternalID != nil {
			delete(p.externalIDs, u.externalID)
			u.externalID = *req.ExternalID
			if u.externalID != "" {
				p.externalIDs[u.externalID] = u.id
			}
		}
		w := u.wire(now)
		resp.UserID, resp.Emails, resp.PhoneNumbers, resp.User = u.id, w.Emails, w.PhoneNumbers, w
		return nil
	}))
}

type deleteUserResponse struct {
	meta
	UserID string `json:"user_id"`
}

// deleteUser serves DELETE /v1/users/{user_id}: the user, its sessions and codes are gone.
func deleteUser(c *call) (int, metaSetter, error) {
	p := c.p
	resp := &deleteUserResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(c.param, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", c.param)
		}
		if u.sandbox {
			return newError("bad_request", "The sandbox user is a fixture of every test project and cannot be deleted.")
		}
		p.deleteUserLocked(u)
		resp.UserID = u.id
		return nil
	}))
}

type userResponse struct {
	meta
	UserID string   `json:"user_id"`
	User   wireUser `json:"user"`
}

// deleteUserContact serves DELETE /v1/users/emails/{email_id} and
// DELETE /v1/users/phone_numbers/{phone_id}.
func deleteUserContact(m medium) handler {
	return func(c *call) (int, metaSetter, error) {
		return deleteMethod(c, m.notFound(), func(p *Project, u *user) bool {
			ct := u.contactByID(c.param)
			if ct == nil || ct.medium != m {
				return false
			}
			p.removeContactLocked(u, ct)
			return true
		})
	}
}

// deleteUserPassword serves DELETE /v1/users/passwords/{password_id}.
func deleteUserPassword(c *call) (int, metaSetter, error) {
	return deleteMethod(c, "password_not_found", func(p *Project, u *user) bool {
		if u.password == nil || u.password.id != c.param {
			return false
		}
		u.password = nil
		return true
	})
}

// deleteUserTOTP serves DELETE /v1/users/totps/{totp_id}.
func deleteUserTOTP(c *call) (int, metaSetter, error) {
	return deleteMethod(c, "totp_not_found", func(p *Project, u *user) bool {
		i := slices.IndexFunc(u.totps, func(t *totpRecord) bool { return t.id == c.param })
		if i < 0 {
			return false
		}
		u.totps = slices.Delete(u.totps, i, i+1)
		return true
	})
}

// deleteMethod finds the user owning c.param and removes the method with del.
func deleteMethod(c *call, notFound string, del func(p *Project, u *user) bool) (int, metaSetter, error) {
	p := c.p
	resp := &userResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		for _, u := range p.users {
			p.pruneLocked(u, now)
			if u.sandbox && u.contactByID(c.param) != nil || u.sandbox && u.password != nil && u.password.id == c.param ||
				u.sandbox && slices.ContainsFunc(u.totps, func(t *totpRecord) bool { return t.id == c.param }) {
				return newError("bad_request", "The sandbox user's factors are fixtures of every test project and cannot be deleted.")
			}
			if del(p, u) {
				resp.UserID, resp.User = u.id, u.wire(now)
				return nil
			}
		}
		return newError(notFound, "%s not found.", c.param)
	}))
}

type searchParams struct {
	Cursor string `json:"cursor"`
	Limit  *int64 `json:"limit"`
	Query  *struct {
		Operator string          `json:"operator"`
		Operands []searchOperand `json:"operands"`
	} `json:"query"`
}

// searchOperand is one search filter: {"filter_name": ..., "filter_value": ...}.
type searchOperand struct {
	FilterName  string `json:"filter_name"`
	FilterValue any    `json:"filter_value"`
}

type searchResponse struct {
	meta
	Results         []wireUser `json:"results"`
	ResultsMetadata struct {
		Total      int     `json:"total"`
		NextCursor *string `json:"next_cursor"`
	} `json:"results_metadata"`
}

// userFilter is a compiled search filter.
type userFilter func(u *user) bool

// searchUsers serves POST /v1/users/search: the common filters (emails, phones, ids, status,
// verification, password/TOTP presence, creation time, fuzzy email/phone/name), AND or OR, with a
// cursor over a stable (created_at, user_id) order. The sandbox fixture user is not listed.
func searchUsers(c *call) (int, metaSetter, error) {
	var req searchParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	limit := 100
	if req.Limit != nil {
		if *req.Limit < 0 || *req.Limit > 1000 {
			return 0, nil, newError("user_search_invalid_limit", "limit must be between 0 and 1000 (0 means 100).")
		}
		if *req.Limit > 0 {
			limit = int(*req.Limit)
		}
	}
	var after *cursorKey
	if req.Cursor != "" {
		k, ok := parseCursor(req.Cursor)
		if !ok {
			return 0, nil, newError("user_search_invalid_cursor", "cursor is invalid.")
		}
		after = &k
	}
	var filters []userFilter
	or := false
	if req.Query != nil {
		switch strings.ToUpper(req.Query.Operator) {
		case "", "AND":
		case "OR":
			or = true
		default:
			return 0, nil, newError("user_search_invalid_operator", "operator must be AND or OR.")
		}
		if n := len(req.Query.Operands); n > maxSearchOperands {
			return 0, nil, newError("bad_request", "query has %d operands; the emulator takes at most %d.", n, maxSearchOperands)
		}
		for _, op := range req.Query.Operands {
			f, err := compileFilter(op)
			if err != nil {
				return 0, nil, err
			}
			filters = append(filters, f)
		}
	}
	match := func(u *user) bool {
		if len(filters) == 0 {
			return true
		}
		for _, f := range filters {
			if f(u) == or {
				return or
			}
		}
		return !or
	}

	p := c.p
	resp := &searchResponse{Results: []wireUser{}}
	return reply(resp, p.update(func(now time.Time) error {
		var all []*user
		cands, indexed := []*user(nil), false
		if req.Query != nil {
			cands, indexed = p.searchCandidatesLocked(req.Query.Operands, or)
		}
		visit := func(yield func(*user) bool) {
			if indexed {
				for _, u := range cands {
					if !yield(u) {
						return
					}
				}
				return
			}
			for _, u := range p.users {
				if !yield(u) {
					return
				}
			}
		}
		for u := range visit {
			if u.sandbox {
				continue
			}
			p.pruneLocked(u, now)
			if match(u) {
				all = append(all, u)
			}
		}
		slices.SortFunc(all, func(a, b *user) int { return keyOf(a).compare(keyOf(b)) })
		resp.ResultsMetadata.Total = len(all)
		start := 0
		if after != nil {
			start, _ = slices.BinarySearchFunc(all, *after, func(u *user, k cursorKey) int { return keyOf(u).compare(k) })
			if start < len(all) && keyOf(all[start]) == *after {
				start++
			}
		}
		end := min(start+limit, len(all))
		for _, u := range all[start:end] {
			resp.Results = append(resp.Results, u.wire(now))
		}
		if end < len(all) {
			cur := keyOf(all[end-1]).encode()
			resp.ResultsMetadata.NextCursor = &cur
		}
		return nil
	}))
}

// maxSearchOperands caps a search query's operands: each is evaluated for every user, under the
// project lock, so 16,000 of them against 10,000 users took 17 s. No Stytch source gives a limit
// (unconfirmed); real queries have a handful.
const maxSearchOperands = 100

// cursorKey orders users for pagination.
type cursorKey struct {
	created int64
	id      string
}

func keyOf(u *user) cursorKey { return cursorKey{created: u.createdAt.UnixNano(), id: u.id} }

func (k cursorKey) compare(o cursorKey) int {
	switch {
	case k.created < o.created:
		return -1
	case k.created > o.created:
		return 1
	}
	return strings.Compare(k.id, o.id)
}

func (k cursorKey) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k.created, 10) + ":" + k.id))
}

func parseCursor(s string) (cursorKey, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursorKey{}, false
	}
	ns, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || !strings.HasPrefix(id, prefixUser) {
		return cursorKey{}, false
	}
	return cursorKey{created: n, id: id}, true
}

// compileFilter turns one search operand into a predicate, or a 400 for an unknown filter name or a
// value of the wrong type.
func compileFilter(op searchOperand) (userFilter, error) {
	badValue := func(want string) error {
		return newError("bad_request", "filter_value of %s must be %s.", op.FilterName, want)
	}
	strs := func() ([]string, error) {
		arr, ok := op.FilterValue.([]any)
		if !ok {
			return nil, badValue("an array of strings")
		}
		out := make([]string, 0, len(arr))
		for _, v := range arr {
			s, ok := v.(string)
			if !ok {
				return nil, badValue("an array of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	str := func() (string, error) {
		s, ok := op.FilterValue.(string)
		if !ok {
			return "", badValue("a string")
		}
		return s, nil
	}
	boolean := func() (bool, error) {
		b, ok := op.FilterValue.(bool)
		if !ok {
			return false, badValue("a boolean")
		}
		return b, nil
	}
	anyContact := func(m medium, pred func(ct *contact) bool) userFilter {
		return func(u *user) bool {
			return slices.ContainsFunc(u.contacts, func(ct *contact) bool { return ct.medium == m && pred(ct) })
		}
	}
	switch op.FilterName {
	case "user_id", "email_address", "email_id", "phone_number", "phone_id", "totp_id":
		vals, err := strs()
		if err != nil {
			return nil, err
		}
		// A set, so that a long list costs one look-up per user, not one comparison per value.
		in := make(map[string]bool, len(vals))
		for _, v := range vals {
			if op.FilterName == "email_address" {
				v = mediumEmail.key(v).value // as the project indexes addresses (lower-cased)
			}
			in[v] = true
		}
		switch op.FilterName {
		case "user_id":
			return func(u *user) bool { return in[u.id] }, nil
		case "email_address":
			return anyContact(mediumEmail, func(ct *contact) bool { return in[mediumEmail.key(ct.value).value] }), nil
		case "email_id":
			return anyContact(mediumEmail, func(ct *contact) bool { return in[ct.id] }), nil
		case "phone_number":
			return anyContact(mediumPhone, func(ct *contact) bool { return in[ct.value] }), nil
		case "phone_id":
			return anyContact(mediumPhone, func(ct *contact) bool { return in[ct.id] }), nil
		default:
			return func(u *user) bool {
				return slices.ContainsFunc(u.totps, func(t *totpRecord) bool { return in[t.id] })
			}, nil
		}
	case "status":
		v, err := str()
		if err != nil {
			return nil, err
		}
		return func(u *user) bool { return u.status == v }, nil
	case "email_verified", "phone_verified", "password_exists", "totp_verified":
		v, err := boolean()
		if err != nil {
			return nil, err
		}
		switch op.FilterName {
		case "email_verified":
			return anyContact(mediumEmail, func(ct *contact) bool { return ct.verified == v }), nil
		case "phone_verified":
			return anyContact(mediumPhone, func(ct *contact) bool { return ct.verified == v }), nil
		case "password_exists":
			return func(u *user) bool { return (u.password != nil) == v }, nil
		default:
			return func(u *user) bool {
				return slices.ContainsFunc(u.totps, func(t *totpRecord) bool { return t.verified == v })
			}, nil
		}
	case "email_address_fuzzy", "phone_number_fuzzy", "full_name_fuzzy":
		v, err := str()
		if err != nil {
			return nil, err
		}
		v = strings.ToLower(v)
		switch op.FilterName {
		case "email_address_fuzzy":
			return anyContact(mediumEmail, func(ct *contact) bool { return strings.Contains(strings.ToLower(ct.value), v) }), nil
		case "phone_number_fuzzy":
			return anyContact(mediumPhone, func(ct *contact) bool { return strings.Contains(ct.value, v) }), nil
		default:
			return func(u *user) bool {
				full := strings.ToLower(strings.Join([]string{u.name.FirstName, u.name.MiddleName, u.name.LastName}, " "))
				return strings.Contains(full, v)
			}, nil
		}
	case "created_at_between":
		obj, ok := op.FilterValue.(map[string]any)
		if !ok {
			return nil, badValue("an object with greater_than and less_than")
		}
		var bounds [2]time.Time
		for i, k := range []string{"greater_than", "less_than"} {
			v, ok := obj[k].(string)
			t, err := time.Parse(time.RFC3339, v)
			if !ok || err != nil {
				return nil, badValue("an object with RFC 3339 greater_than and less_than")
			}
			bounds[i] = t
		}
		return func(u *user) bool { return u.createdAt.After(bounds[0]) && u.createdAt.Before(bounds[1]) }, nil
	case "oauth_provider", "webauthn_registration_id", "crypto_wallet_id", "crypto_wallet_address":
		// The emulator models no OAuth, WebAuthn or crypto-wallet registrations: nobody matches.
		if _, err := str(); err != nil {
			if _, err2 := strs(); err2 != nil {
				return nil, err
			}
		}
		return func(*user) bool { return false }, nil
	case "webauthn_registration_verified", "crypto_wallet_verified":
		if _, err := boolean(); err != nil {
			return nil, err
		}
		return func(*user) bool { return false }, nil
	case "created_at_greater_than", "created_at_less_than":
		v, err := str()
		if err != nil {
			return nil, err
		}
		t, perr := time.Parse(time.RFC3339, v)
		if perr != nil {
			return nil, badValue("an RFC 3339 timestamp")
		}
		if op.FilterName == "created_at_greater_than" {
			return func(u *user) bool { return u.createdAt.After(t) }, nil
		}
		return func(u *user) bool { return u.createdAt.Before(t) }, nil
	}
	return nil, newError("user_search_filter_name_not_recognized", "%s is not a recognised filter_name.", fmt.Sprintf("%q", op.FilterName))
}

type exchangePrimaryFactorParams struct {
	EmailAddress string `json:"email_address"`
	PhoneNumber  string `json:"phone_number"`
}

// exchangePrimaryFactor serves PUT /v1/users/{user_id}/exchange_primary_factor: a user whose only
// factor is one email or one phone number gets the given email or phone instead (stytch-go
// Users.ExchangePrimaryFactor: "Must pass either an email_address or a phone_number"; "only works
// if the user has exactly one factor"). Unconfirmed: which methods count as factors (here emails,
// phones, a password and TOTPs) and whether the new contact starts verified (here it does not, like
// any contact added without authenticating it); the error types are Stytch's
// invalid_exchange_primary_factor_fields / _user (AND-ERR).
func exchangePrimaryFactor(c *call) (int, metaSetter, error) {
	var req exchangePrimaryFactorParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if (req.EmailAddress == "") == (req.PhoneNumber == "") {
		return 0, nil, newError("invalid_exchange_primary_factor_fields", "Pass exactly one of email_address or phone_number.")
	}
	m, value := mediumEmail, req.EmailAddress
	if req.PhoneNumber != "" {
		m, value = mediumPhone, req.PhoneNumber
	}
	check := checkEmail
	if m == mediumPhone {
		check = checkPhone
	}
	if err := check(value); err != nil {
		return 0, nil, err
	}
	p := c.p
	resp := &userResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(c.param, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", c.param)
		}
		factors := len(u.contacts) + len(u.totps)
		if u.password != nil {
			factors++
		}
		if u.sandbox || factors != 1 || len(u.contacts) != 1 {
			return newError("invalid_exchange_primary_factor_user", "The user must have exactly one factor, an email address or a phone number, to exchange it.")
		}
		if p.ownerLocked(m, value, now) != nil {
			return newError(m.duplicate(), "A user with this %s already exists.", m.noun())
		}
		p.removeContactLocked(u, u.contacts[0])
		p.addContactLocked(u, m, value, false, time.Time{})
		resp.UserID, resp.User = u.id, u.wire(now)
		return nil
	}))
}

// deleteExternalID serves DELETE /v1/users/{user_id}/external_id (the Node SDK's
// users.deleteExternalId): the user keeps everything but its external_id, which becomes null.
func deleteExternalID(c *call) (int, metaSetter, error) {
	p := c.p
	resp := &userResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(c.param, now)
		if u == nil {
			return newError("user_not_found", "User %s not found.", c.param)
		}
		if u.externalID != "" {
			delete(p.externalIDs, u.externalID)
			u.externalID = ""
		}
		resp.UserID, resp.User = u.id, u.wire(now)
		return nil
	}))
}

// deleteNeverCreated serves the DELETE /v1/users/<kind>/{id} routes of registrations the emulator
// never creates (WebAuthn, biometric, crypto wallet, OAuth): every id is unknown, so each answers
// Stytch's not-found error of its kind and changes nothing.
func deleteNeverCreated(notFound string) handler {
	return func(c *call) (int, metaSetter, error) {
		return 0, nil, newError(notFound, "%s not found.", c.param)
	}
}
