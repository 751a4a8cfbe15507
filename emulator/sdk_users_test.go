package emulator_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func TestUsersCreateAndGet(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr, phone := h.Email("create"), h.Phone()
		created, err := h.C.Users.Create(h.Ctx, &users.CreateParams{
			Email:             addr,
			PhoneNumber:       phone,
			Name:              &users.Name{FirstName: "Ada", LastName: "Lovelace"},
			TrustedMetadata:   map[string]any{"plan": "pro"},
			UntrustedMetadata: map[string]any{"theme": "dark"},
			ExternalID:        "ext-" + h.Mode + "|1.a_b",
		})
		require.NoError(t, err)
		_, raw := strictLast[users.CreateResponse](t, h, http.StatusCreated,
			"request_id", "user_id", "email_id", "status", "phone_id", "user", "status_code")
		require.EqualValues(t, 201, created.StatusCode)
		require.Regexp(t, userIDPattern, created.UserID)
		require.Regexp(t, emailIDPattern, created.EmailID)
		require.Regexp(t, phoneIDPattern, created.PhoneID)
		require.Equal(t, "active", created.Status)
		u := raw["user"].(map[string]any)
		requireUserShape(t, u)
		require.Nil(t, u["password"], "no password yet: password must be null")
		require.Equal(t, "ext-"+h.Mode+"|1.a_b", u["external_id"])
		require.Equal(t, created.UserID, created.User.UserID)
		require.Len(t, created.User.Emails, 1)
		require.Equal(t, addr, created.User.Emails[0].Email)
		require.False(t, created.User.Emails[0].Verified)
		require.Len(t, created.User.PhoneNumbers, 1)
		require.Equal(t, phone, created.User.PhoneNumbers[0].PhoneNumber)
		require.Equal(t, "Ada", created.User.Name.FirstName)
		require.Equal(t, map[string]any{"plan": "pro"}, created.User.TrustedMetadata)

		// Get by user_id: the user flattened, with every key.
		got, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: created.UserID})
		require.NoError(t, err)
		_, graw := strictLast[users.GetResponse](t, h, http.StatusOK, userKeys...)
		require.NotContains(t, graw, "user", "GET user is flattened")
		requireUserShape(t, graw)
		require.Equal(t, created.UserID, got.UserID)
		require.Equal(t, created.User.Emails, got.Emails)
		require.NotNil(t, got.CreatedAt)

		// Get by external_id.
		byExt, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "ext-" + h.Mode + "|1.a_b"})
		require.NoError(t, err)
		require.Equal(t, created.UserID, byExt.UserID)

		// A user with no external_id has external_id: null.
		plain := h.createUser(t, h.Email("plain"))
		_, praw := strictLast[users.CreateResponse](t, h, http.StatusCreated)
		require.Nil(t, praw["user"].(map[string]any)["external_id"])
		require.Empty(t, plain.PhoneID)

		// Unknown user.
		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "user-test-00000000-0000-4000-8000-000000000099"})
		requireAPIError(t, h, err, 404, "user_not_found")

		// Duplicates.
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: addr})
		requireAPIError(t, h, err, 400, "duplicate_email")
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{PhoneNumber: phone})
		requireAPIError(t, h, err, 400, "duplicate_phone_number")
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("dupext"), ExternalID: "ext-" + h.Mode + "|1.a_b"})
		requireAPIError(t, h, err, 400, "duplicate_user_external_id")

		// Invalid input.
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: "not-an-email"})
		requireAPIError(t, h, err, 400, "invalid_email")
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{PhoneNumber: "555-0100"})
		requireAPIError(t, h, err, 400, "invalid_phone_number")
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{})
		require.Error(t, err)
		x := h.Last(t)
		require.Equal(t, 400, x.Status)
		requireErrorBody(t, 400, x.Body, "")

		// Pending users.
		pending, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("pending"), CreateUserAsPending: true})
		require.NoError(t, err)
		require.Equal(t, "pending", pending.Status)
		require.Equal(t, "pending", pending.User.Status)
	})
}

func TestUsersSearch(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// u1: verified email + password; u2: unverified email, no password; u3: phone only;
		// u4: pending; u5: unverified email + password.
		a1 := h.Email("s1")
		u1 := h.verifiedPasswordUser(t, a1).UserID
		a2 := h.Email("s2")
		u2 := h.createUser(t, a2).UserID
		p3 := h.Phone()
		c3, err := h.C.Users.Create(h.Ctx, &users.CreateParams{PhoneNumber: p3})
		require.NoError(t, err)
		u3 := c3.UserID
		c4, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("s4"), CreateUserAsPending: true})
		require.NoError(t, err)
		u4 := c4.UserID
		u5 := h.newPasswordUser(t, h.Email("s5")).UserID
		all := []string{u1, u2, u3, u4, u5}

		search := func(q *users.SearchUsersQuery) []string {
			t.Helper()
			resp, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Query: q})
			require.NoError(t, err)
			_, raw := strictLast[users.SearchResponse](t, h, 200, "request_id", "results", "results_metadata", "status_code")
			requireKeys(t, raw, "results_metadata", "total", "next_cursor")
			require.Nil(t, dig(raw, "results_metadata.next_cursor"))
			for _, r := range raw["results"].([]any) {
				requireUserShape(t, r.(map[string]any))
			}
			var ids []string
			for _, u := range resp.Results {
				ids = append(ids, u.UserID)
			}
			require.EqualValues(t, len(ids), resp.ResultsMetadata.Total)
			return ids
		}
		and := func(ops ...map[string]any) *users.SearchUsersQuery {
			return &users.SearchUsersQuery{Operator: users.SearchUsersQueryOperatorAND, Operands: ops}
		}
		op := func(name string, v any) map[string]any { return map[string]any{"filter_name": name, "filter_value": v} }

		require.ElementsMatch(t, all, search(nil), "no query: every user but the sandbox one")
		require.ElementsMatch(t, []string{u1}, search(and(op("email_address", []string{a1}))))
		require.ElementsMatch(t, []string{u3}, search(and(op("phone_number", []string{p3}))))
		require.ElementsMatch(t, []string{u2, u4}, search(and(op("user_id", []string{u2, u4}))))
		require.ElementsMatch(t, []string{u4}, search(and(op("status", "pending"))))
		require.ElementsMatch(t, []string{u1, u2, u3, u5}, search(and(op("status", "active"))))
		require.ElementsMatch(t, []string{u1}, search(and(op("email_verified", true))))
		require.ElementsMatch(t, []string{u2, u4, u5}, search(and(op("email_verified", false))))
		require.ElementsMatch(t, []string{u1, u5}, search(and(op("password_exists", true))))
		require.ElementsMatch(t, []string{u2, u3, u4}, search(and(op("password_exists", false))))
		require.ElementsMatch(t, []string{u5}, search(and(op("email_verified", false), op("password_exists", true))))
		require.ElementsMatch(t, []string{u1, u3}, search(&users.SearchUsersQuery{
			Operator: users.SearchUsersQueryOperatorOR,
			Operands: []map[string]any{op("user_id", []string{u1}), op("phone_number", []string{p3})},
		}))
		require.Empty(t, search(and(op("email_address", []string{"nobody@example.com"}))))

		// Exact filters are answered from the project's indexes, the others by a scan; mixed
		// queries must give the same users either way.
		or := func(ops ...map[string]any) *users.SearchUsersQuery {
			return &users.SearchUsersQuery{Operator: users.SearchUsersQueryOperatorOR, Operands: ops}
		}
		require.ElementsMatch(t, []string{u1}, search(and(op("email_address", []string{strings.ToUpper(a1)}))), "emails match case-insensitively")
		require.ElementsMatch(t, []string{u3}, search(and(op("phone_id", []string{c3.PhoneID}))))
		require.ElementsMatch(t, []string{u4}, search(and(op("email_id", []string{c4.EmailID}))))
		require.Empty(t, search(and(op("email_id", []string{c3.PhoneID}))), "a phone_id is no email_id")
		require.ElementsMatch(t, []string{u1}, search(and(op("email_address", []string{a1, a2}), op("email_verified", true))))
		require.ElementsMatch(t, []string{u2}, search(and(op("user_id", []string{u1, u2}), op("email_address", []string{a2, "nobody@example.com"}))))
		require.Empty(t, search(and(op("user_id", []string{u1}), op("email_address", []string{a2}))))
		require.Empty(t, search(and(op("email_address", []string{}))))
		require.ElementsMatch(t, []string{u1, u4}, search(or(op("email_address", []string{a1}), op("status", "pending"))))
		require.ElementsMatch(t, []string{u1}, search(or(op("user_id", []string{u1}), op("email_address", []string{a1}))), "each user once")
		// A phone attached by a send and never verified drops out of the results when it expires.
		p6 := h.Phone()
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: p6, UserID: u1})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{u1}, search(and(op("phone_number", []string{p6}))))
		h.Advance(t, 6*time.Minute)
		require.Empty(t, search(and(op("phone_number", []string{p6}))))
		require.Empty(t, search(or(op("phone_number", []string{p6}), op("user_id", []string{"user-test-00000000-0000-4000-8000-000000000000"}))))

		// Cursor paging: limit 2 walks 5 users in 3 pages, each user exactly once, total stable.
		var seen []string
		cursor := ""
		for page := 0; ; page++ {
			require.Less(t, page, 4, "paging does not terminate")
			resp, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Limit: 2, Cursor: cursor})
			require.NoError(t, err)
			_, raw := strictLast[users.SearchResponse](t, h, 200)
			require.EqualValues(t, 5, resp.ResultsMetadata.Total)
			require.LessOrEqual(t, len(resp.Results), 2)
			for _, u := range resp.Results {
				seen = append(seen, u.UserID)
			}
			if resp.ResultsMetadata.NextCursor == "" {
				require.Nil(t, dig(raw, "results_metadata.next_cursor"), "last page: next_cursor null")
				require.Equal(t, 2, page)
				break
			}
			cursor = resp.ResultsMetadata.NextCursor
		}
		require.ElementsMatch(t, all, seen)
		require.Len(t, seen, 5)

		// Invalid filter name, limit, cursor, operator, filter value.
		_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{Query: and(op("favourite_colour", "blue"))})
		requireAPIError(t, h, err, 400, "user_search_filter_name_not_recognized")
		_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{Limit: 1001})
		requireAPIError(t, h, err, 400, "user_search_invalid_limit")
		_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{Cursor: "not-a-cursor!"})
		requireAPIError(t, h, err, 400, "user_search_invalid_cursor")
		_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{Query: &users.SearchUsersQuery{Operator: "XOR", Operands: []map[string]any{op("status", "active")}}})
		requireAPIError(t, h, err, 400, "user_search_invalid_operator")
		_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{Query: and(op("email_address", "a@b.co"))})
		require.Error(t, err)
		x := h.Last(t)
		require.Equal(t, 400, x.Status)
		requireErrorBody(t, 400, x.Body, "")
		status, m := h.RawJSON(t, "POST", "/v1/users/search", map[string]any{"limit": -1})
		require.Equal(t, 400, status)
		require.Equal(t, "user_search_invalid_limit", m["error_type"])
	})
}

func TestUsersUpdate(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		u := h.createUser(t, h.Email("upd"))
		other := h.createUser(t, h.Email("upd-other"))
		_, err := h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: other.UserID, ExternalID: "taken-" + h.Mode})
		require.NoError(t, err)

		roles := []string{"editor"}
		resp, err := h.C.Users.Update(h.Ctx, &users.UpdateParams{
			UserID:            u.UserID,
			Name:              &users.Name{FirstName: "Grace", MiddleName: "B", LastName: "Hopper"},
			TrustedMetadata:   map[string]any{"a": 1.0, "b": "x"},
			UntrustedMetadata: map[string]any{"c": true},
			ExternalID:        "grace-" + h.Mode,
			Roles:             &roles,
		})
		require.NoError(t, err)
		_, raw := strictLast[users.UpdateResponse](t, h, 200, "request_id", "user_id", "emails", "phone_numbers", "crypto_wallets", "user", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Equal(t, u.UserID, resp.UserID)
		require.Equal(t, "Grace", resp.User.Name.FirstName)
		require.Equal(t, "grace-"+h.Mode, resp.User.ExternalID)
		require.Contains(t, resp.User.Roles, "editor")
		require.Len(t, resp.Emails, 1)

		// Metadata merges; null deletes a key.
		_, err = h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: u.UserID, TrustedMetadata: map[string]any{"b": nil, "d": "y"}})
		require.NoError(t, err)
		got, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "grace-" + h.Mode})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"a": 1.0, "d": "y"}, got.TrustedMetadata)
		require.Equal(t, map[string]any{"c": true}, got.UntrustedMetadata)
		require.Equal(t, "Hopper", got.Name.LastName)

		_, err = h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: u.UserID, ExternalID: "taken-" + h.Mode})
		requireAPIError(t, h, err, 400, "duplicate_user_external_id")
		_, err = h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: "user-test-00000000-0000-4000-8000-000000000099", Name: &users.Name{FirstName: "X"}})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: u.UserID, ExternalID: "bad external id"})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
	})
}

func TestUsersDelete(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("del")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)

		resp, err := h.C.Users.Delete(h.Ctx, &users.DeleteParams{UserID: pw.UserID})
		require.NoError(t, err)
		_, raw := strictLast[users.DeleteResponse](t, h, 200, "request_id", "user_id", "status_code")
		require.NotContains(t, raw, "user", "delete user has no user")
		require.Equal(t, pw.UserID, resp.UserID)

		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: pw.UserID})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.authSession(pw.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.C.Users.Delete(h.Ctx, &users.DeleteParams{UserID: pw.UserID})
		requireAPIError(t, h, err, 404, "user_not_found")

		// The address is free again.
		again := h.newPasswordUser(t, addr)
		require.NotEqual(t, pw.UserID, again.UserID)
	})
}

func TestUsersDeleteMethods(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr, phone := h.Email("dm"), h.Phone()
		created := h.verifiedPasswordUser(t, addr)
		// Attach and verify a phone.
		sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, UserID: created.UserID})
		require.NoError(t, err)
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone)})
		require.NoError(t, err)
		// A TOTP.
		tc, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: created.UserID})
		require.NoError(t, err)
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: created.UserID})
		require.NoError(t, err)
		require.NotNil(t, u.Password)
		require.Len(t, u.TOTPs, 1)

		// Phone.
		dp, err := h.C.Users.DeletePhoneNumber(h.Ctx, &users.DeletePhoneNumberParams{PhoneID: sent.PhoneID})
		require.NoError(t, err)
		_, raw := strictLast[users.DeletePhoneNumberResponse](t, h, 200, "request_id", "user_id", "user", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Equal(t, created.UserID, dp.UserID)
		require.Empty(t, dp.User.PhoneNumbers)
		_, err = h.C.Users.DeletePhoneNumber(h.Ctx, &users.DeletePhoneNumberParams{PhoneID: sent.PhoneID})
		requireAPIError(t, h, err, 404, "phone_number_not_found")
		// The number is free for another user.
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{PhoneNumber: phone})
		require.NoError(t, err)

		// TOTP.
		dt, err := h.C.Users.DeleteTOTP(h.Ctx, &users.DeleteTOTPParams{TOTPID: tc.TOTPID})
		require.NoError(t, err)
		_, raw = strictLast[users.DeleteTOTPResponse](t, h, 200, "request_id", "user_id", "user", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Empty(t, dt.User.TOTPs)
		_, err = h.C.Users.DeleteTOTP(h.Ctx, &users.DeleteTOTPParams{TOTPID: tc.TOTPID})
		requireAPIError(t, h, err, 404, "totp_not_found")

		// Password.
		dpw, err := h.C.Users.DeletePassword(h.Ctx, &users.DeletePasswordParams{PasswordID: u.Password.PasswordID})
		require.NoError(t, err)
		_, raw = strictLast[users.DeletePasswordResponse](t, h, 200, "request_id", "user_id", "user", "status_code")
		require.Nil(t, raw["user"].(map[string]any)["password"])
		require.Nil(t, dpw.User.Password)
		_, err = h.C.Users.DeletePassword(h.Ctx, &users.DeletePasswordParams{PasswordID: u.Password.PasswordID})
		requireAPIError(t, h, err, 404, "password_not_found")
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		require.Error(t, err)
		require.Equal(t, "no_user_password", errType(err))

		// Email.
		de, err := h.C.Users.DeleteEmail(h.Ctx, &users.DeleteEmailParams{EmailID: created.EmailID})
		require.NoError(t, err)
		_, raw = strictLast[users.DeleteEmailResponse](t, h, 200, "request_id", "user_id", "user", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Empty(t, de.User.Emails)
		_, err = h.C.Users.DeleteEmail(h.Ctx, &users.DeleteEmailParams{EmailID: created.EmailID})
		requireAPIError(t, h, err, 404, "email_not_found")
		// The address is free for a new user, and the old email_id no longer takes codes.
		h.createUser(t, addr)
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: created.EmailID, Code: "123456"})
		requireAPIError(t, h, err, 404, "otp_code_not_found")

		// Unknown ids.
		_, err = h.C.Users.DeleteEmail(h.Ctx, &users.DeleteEmailParams{EmailID: "email-test-00000000-0000-4000-8000-000000000000"})
		requireAPIError(t, h, err, 404, "email_not_found")
	})
}

// TestUsersIsolatedPerProject: a project's users are invisible to another project.
func TestUsersIsolatedPerProject(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		other := h.For(otherProjectID, otherSecret)
		u := h.createUser(t, h.Email("iso"))
		_, err := other.C.Users.Get(other.Ctx, &users.GetParams{UserID: u.UserID})
		requireAPIError(t, other, err, 404, "user_not_found")
		resp, err := other.C.Users.Search(other.Ctx, &users.SearchParams{})
		require.NoError(t, err)
		require.False(t, slices.ContainsFunc(resp.Results, func(x users.User) bool { return x.UserID == u.UserID }))
		// The same address can exist in both projects.
		other.createUser(t, u.User.Emails[0].Email)
	}, emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
}

// TestAutoProvisionedProject: with WithAutoProvision a fresh project-test-* id works at once, keeps
// the secret of its first request, and is isolated from the others.
func TestAutoProvisionedProject(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		const pid, secret = "project-test-a0000000-0000-4000-8000-0000000000a1", "secret-test-auto"
		auto := h.For(pid, secret)
		require.Nil(t, h.E.Project(pid), "no handle before the first request provisions it")
		u := auto.createUser(t, auto.Email("auto"))
		require.Equal(t, pid, h.E.Project(pid).ID())
		_, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: u.UserID})
		requireAPIError(t, h, err, 404, "user_not_found")
		require.Contains(t, h.E.Projects(), pid)
		status, body := h.Raw(t, "GET", "/v1/users/"+u.UserID, nil, basic(pid, "secret-test-other"))
		require.Equal(t, 401, status)
		requireErrorBody(t, 401, body, "unauthorized_credentials")
		status, body = h.Raw(t, "GET", "/v1/rbac/policy", nil, basic("project-live-a0000000-0000-4000-8000-0000000000a1", "secret-live-x"))
		require.Equal(t, 401, status)
		requireErrorBody(t, 401, body, "unauthorized_credentials")
		require.NotContains(t, h.E.Projects(), "project-live-a0000000-0000-4000-8000-0000000000a1")
	}, emulator.WithAutoProvision())
}

// Every filter name of stytch-go's users.SearchUsersQueryOperand is accepted, matching nothing for the factor types the
// emulator does not model. Regression: created_at_between, oauth_provider, webauthn_* and
// crypto_wallet_* were refused with user_search_filter_name_not_recognized.
func TestSearchDocumentedFiltersAccepted(t *testing.T) {
	h := newH(t, "inprocess")
	u := h.createUser(t, h.Email("between"))
	for name, value := range map[string]any{
		"created_at_between":             map[string]any{"greater_than": "2000-01-01T00:00:00Z", "less_than": "2200-01-01T00:00:00Z"},
		"oauth_provider":                 "google",
		"webauthn_registration_verified": true,
		"webauthn_registration_id":       []string{"webauthn-registration-test-00000000-0000-4000-8000-000000000000"},
		"crypto_wallet_id":               []string{"crypto-wallet-test-00000000-0000-4000-8000-000000000000"},
		"crypto_wallet_address":          []string{"0x6df2dB4Fb3DA35d241901Bd53367770BF03123f1"},
		"crypto_wallet_verified":         true,
	} {
		resp, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Query: &users.SearchUsersQuery{
			Operator: users.SearchUsersQueryOperatorAND, Operands: []map[string]any{{"filter_name": name, "filter_value": value}}}})
		require.NoError(t, err, "filter %s", name)
		if name == "created_at_between" {
			require.Len(t, resp.Results, 1)
			require.Equal(t, u.UserID, resp.Results[0].UserID)
		}
	}
}
