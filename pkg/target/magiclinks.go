package target

import (
	"context"
	"fmt"
	"strings"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// MagicLink is the latest email magic link a target read for an address: what the user would
// click. The zero value is no link.
type MagicLink struct {
	// Token is the magic-link token, for magic_links.authenticate.
	Token string
	// URL is the link the user would land on: the redirect URL with stytch_token_type=magic_links
	// and token=… appended ("" for the sandbox token, which no email carries).
	URL string
	// Type is the kind of link: "login", "signup" or "invite" ("" for the sandbox token).
	Type string
}

// MagicLinkReader is a target that can read the magic links sent to an email address (the
// emulator's outbox; on the sandbox, only the sandbox email, whose link is Stytch's sandbox token).
// The emulator and sandbox targets implement it. MagicLink wraps ErrCodeUnavailable when the target
// cannot read that address's links and ErrNoCode when none was sent.
type MagicLinkReader interface {
	MagicLink(ctx context.Context, email string) (MagicLink, error)
}

// sandboxLink is the sandbox email's link: Stytch's sandbox token authenticates it, and no email
// is sent.
func sandboxLink() MagicLink { return MagicLink{Token: emulator.SandboxMagicLinkToken} }

// latestLink returns the newest magic link of msgs (an outbox filtered by recipient).
func latestLink(msgs []emulator.Message, to string) (MagicLink, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.Type == "magic_link" {
			return MagicLink{Token: m.Token, URL: m.URL, Type: m.LinkType}, nil
		}
	}
	return MagicLink{}, fmt.Errorf("magic link for %s: %w", to, ErrNoCode)
}

// MagicLink returns the latest magic link sent to email, from the emulator's outbox; the sandbox
// email's link is Stytch's sandbox token.
func (t *InProcess) MagicLink(ctx context.Context, email string) (MagicLink, error) {
	if strings.EqualFold(email, emulator.SandboxEmail) {
		return sandboxLink(), nil
	}
	return latestLink(t.e.Project(t.creds.ProjectID).Messages(email), email)
}

// MagicLink returns the latest magic link sent to email, read from the emulator's outbox; the
// sandbox email's link is Stytch's sandbox token.
func (t *Remote) MagicLink(ctx context.Context, email string) (MagicLink, error) {
	if strings.EqualFold(email, emulator.SandboxEmail) {
		return sandboxLink(), nil
	}
	msgs, err := t.ctl.Messages(ctx, email)
	if err != nil {
		return MagicLink{}, fmt.Errorf("magic link for %s: %w", email, err)
	}
	return latestLink(msgs, email)
}

// MagicLink returns Stytch's sandbox token for the sandbox email (which receives no email); for
// any other address it wraps ErrCodeUnavailable.
func (t *Sandbox) MagicLink(ctx context.Context, email string) (MagicLink, error) {
	if strings.EqualFold(email, emulator.SandboxEmail) {
		return sandboxLink(), nil
	}
	return MagicLink{}, fmt.Errorf("magic link for %s: %w: on the sandbox only %s has a known link (Stytch's sandbox token); use NewIdentity(ctx, true)",
		email, ErrCodeUnavailable, emulator.SandboxEmail)
}

// Every target of this package reads magic links.
var (
	_ MagicLinkReader = (*InProcess)(nil)
	_ MagicLinkReader = (*Remote)(nil)
	_ MagicLinkReader = (*Sandbox)(nil)
)
