package harness

import (
	"context"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// UsersCreate creates a user (POST /v1/users) with an email, a phone number or both, and tracks it
// for cleanup.
type UsersCreate struct {
	// Email is the user's email.
	Email string
	// PhoneNumber is the user's phone number. When both are empty the identity's email is used.
	PhoneNumber string
	// CreateUserAsPending creates the user with status "pending".
	CreateUserAsPending bool
}

// String names the call.
func (UsersCreate) String() string { return "users.create" }

// Do creates the user.
func (a UsersCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	p := &users.CreateParams{Email: a.Email, PhoneNumber: a.PhoneNumber, CreateUserAsPending: a.CreateUserAsPending}
	if p.Email == "" && p.PhoneNumber == "" {
		p.Email = s.Identity.Email
	}
	r, err := c.Users.Create(ctx, p)
	if !done(resp, r, err) {
		return
	}
	s.created(r.UserID)
	s.setUser(r.UserID, &r.User)
	if r.EmailID != "" && p.Email == s.Identity.Email {
		s.EmailID = r.EmailID
	}
	if r.PhoneID != "" && p.PhoneNumber == s.Identity.Phone {
		s.PhoneID = r.PhoneID
	}
}

// UsersGet reads a user (GET /v1/users/{user_id}) into State.User.
type UsersGet struct {
	// UserID is the user ("": the state's).
	UserID string
}

// String names the call.
func (UsersGet) String() string { return "users.get" }

// Do reads the user.
func (a UsersGet) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	userID := orString(a.UserID, s.UserID)
	if resp.Err = need(userID, "user id", "create or authenticate a user first"); resp.Err != nil {
		return
	}
	r, err := c.Users.Get(ctx, &users.GetParams{UserID: userID})
	if !done(resp, r, err) {
		return
	}
	s.setUser(r.UserID, &users.User{
		UserID: r.UserID, Emails: r.Emails, Status: r.Status, PhoneNumbers: r.PhoneNumbers,
		WebAuthnRegistrations: r.WebAuthnRegistrations, Providers: r.Providers, TOTPs: r.TOTPs,
		CryptoWallets: r.CryptoWallets, BiometricRegistrations: r.BiometricRegistrations,
		IsLocked: r.IsLocked, Roles: r.Roles, Name: r.Name, CreatedAt: r.CreatedAt, Password: r.Password,
		TrustedMetadata: r.TrustedMetadata, UntrustedMetadata: r.UntrustedMetadata, ExternalID: r.ExternalID,
		LockCreatedAt: r.LockCreatedAt, LockExpiresAt: r.LockExpiresAt,
	})
}

// UsersDelete deletes a user (DELETE /v1/users/{user_id}).
type UsersDelete struct {
	// UserID is the user ("": the state's).
	UserID string
}

// String names the call.
func (UsersDelete) String() string { return "users.delete" }

// Do deletes the user.
func (a UsersDelete) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, _ := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	userID := orString(a.UserID, req.State.UserID)
	if resp.Err = need(userID, "user id", "create or authenticate a user first"); resp.Err != nil {
		return
	}
	r, err := c.Users.Delete(ctx, &users.DeleteParams{UserID: userID})
	done(resp, r, err)
}
