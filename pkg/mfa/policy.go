package mfa

import (
	"slices"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// Defaults used when the corresponding field is zero.
const (
	// DefaultMaxAge is the window of a Recency whose MaxAge is zero.
	DefaultMaxAge = 5 * time.Minute
	// DefaultClockSkew is the tolerance for factor timestamps in the future
	// when Policy.ClockSkew is zero.
	DefaultClockSkew = time.Minute
)

// Policy says which authentication factors a session must carry, and which of
// them must have been authenticated recently.
//
// The zero Policy admits any session that carries at least one factor.
type Policy struct {
	// Require lists conditions that must all hold, e.g.
	// {Password, AnyOf(TOTP, SMS)} or {DistinctCategories(2)}.
	// Nil means no condition beyond being logged in.
	Require []Requirement

	// Recency lists step-up requirements for sensitive actions; all must
	// hold. Nil means none.
	Recency []Recency

	// ClockSkew is how far in the future a factor's last_authenticated_at
	// may lie and still count (as age 0); further in the future it is
	// treated as invalid and never fresh. Zero means DefaultClockSkew (1m);
	// negative means no tolerance.
	ClockSkew time.Duration
}

// Recency is a step-up requirement: a factor selected by Factor must have
// been authenticated at most MaxAge ago. It is fresh when
// now - last_authenticated_at <= MaxAge, so an age of exactly MaxAge is still
// fresh. If several factors match, the most recent valid one counts. A factor
// without last_authenticated_at is never fresh.
//
// The zero Recency requires any factor authenticated within DefaultMaxAge.
type Recency struct {
	// Factor selects the factors to check. The zero Factor matches every
	// factor.
	Factor Factor
	// MaxAge is the longest acceptable age. Zero means DefaultMaxAge (5m).
	MaxAge time.Duration
}

// WithStepUp returns a copy of p that additionally requires a factor matching
// f (zero: any factor) to have been authenticated within maxAge (zero:
// DefaultMaxAge). p is not modified, so a sensitive policy can be derived from
// a protected one:
//
//	sensitive := protected.WithStepUp(mfa.SMS, 5*time.Minute)
func (p Policy) WithStepUp(f Factor, maxAge time.Duration) Policy {
	n := len(p.Recency)
	p.Recency = append(p.Recency[:n:n], Recency{Factor: f, MaxAge: maxAge})
	return p
}

// Decision is the action an application should take after a check. The zero
// Decision is Login, so a zero Result denies.
type Decision int

// Decisions, from least to most satisfied.
const (
	// Login: there is no valid session (or it has no factors); authenticate
	// a primary factor. HTTP 401, reason "unauthenticated".
	Login Decision = iota
	// MFA: a required factor is missing; challenge it. HTTP 403, reason
	// "missing_factor".
	MFA
	// StepUp: the factors are present but a recency requirement is not met;
	// re-challenge the stale factor. HTTP 403, reason "stale_factor".
	StepUp
	// Allow: the policy is satisfied.
	Allow
)

// String returns "login", "mfa", "step_up" or "allow".
func (d Decision) String() string {
	switch d {
	case Login:
		return "login"
	case MFA:
		return "mfa"
	case StepUp:
		return "step_up"
	case Allow:
		return "allow"
	}
	return "unknown"
}

// Reason returns the machine-readable reason for denying: "unauthenticated",
// "missing_factor", "stale_factor", or "" for Allow.
func (d Decision) Reason() string {
	switch d {
	case Allow:
		return ""
	case MFA:
		return "missing_factor"
	case StepUp:
		return "stale_factor"
	}
	return "unauthenticated"
}

// Result is the outcome of Policy.Check. The zero Result is a Login decision.
type Result struct {
	// Decision is what the application should do next.
	Decision Decision
	// Missing lists the Policy.Require entries that are not met, in order.
	// Empty for Login.
	Missing []Requirement
	// Stale lists the Policy.Recency entries that are not met, in order.
	// Empty for Login.
	Stale []StaleFactor
}

// Allowed reports whether r.Decision is Allow.
func (r Result) Allowed() bool { return r.Decision == Allow }

// StaleFactor describes an unmet Recency requirement. The zero StaleFactor
// describes a zero Recency with no matching factor.
type StaleFactor struct {
	// Recency is the requirement, with MaxAge defaulted.
	Recency Recency
	// Factor is the matching factor closest to satisfying it (the most
	// recently authenticated one), i.e. the one to re-challenge; nil if the
	// session has no matching factor.
	Factor *sessions.AuthenticationFactor
	// LastAuthenticatedAt is Factor's timestamp; nil if there is no Factor or
	// it has no timestamp.
	LastAuthenticatedAt *time.Time
	// Age is now - LastAuthenticatedAt, zero if LastAuthenticatedAt is nil.
	// A negative Age means the timestamp lies further in the future than the
	// clock-skew tolerance and was treated as invalid.
	Age time.Duration
}

// Check evaluates session against p at time now. A nil session, or one
// without factors, yields Login; a missing required factor yields MFA; else a
// stale recency requirement yields StepUp; else Allow. A nil Requirement is
// never met.
func (p Policy) Check(session *sessions.Session, now time.Time) Result {
	if session == nil || len(session.AuthenticationFactors) == 0 {
		return Result{Decision: Login}
	}
	factors := session.AuthenticationFactors
	var r Result
	for _, req := range p.Require {
		if req == nil || !req.Met(factors) {
			r.Missing = append(r.Missing, req)
		}
	}
	skew := p.ClockSkew
	switch {
	case skew == 0:
		skew = DefaultClockSkew
	case skew < 0:
		skew = 0
	}
	for _, rc := range p.Recency {
		if rc.MaxAge == 0 {
			rc.MaxAge = DefaultMaxAge
		}
		if !rc.Factor.Met(factors) {
			// Nothing to re-challenge: the factor was never authenticated on this session, so
			// the user needs MFA, not a step-up.
			if !slices.Contains(r.Missing, Requirement(rc.Factor)) {
				r.Missing = append(r.Missing, rc.Factor)
			}
			continue
		}
		if stale, ok := rc.check(factors, now, skew); !ok {
			r.Stale = append(r.Stale, stale)
		}
	}
	switch {
	case len(r.Missing) > 0:
		r.Decision = MFA
	case len(r.Stale) > 0:
		r.Decision = StepUp
	default:
		r.Decision = Allow
	}
	return r
}

// check reports whether rc is met by factors and, if not, describes the best
// candidate for re-challenge.
func (rc Recency) check(factors []sessions.AuthenticationFactor, now time.Time, skew time.Duration) (StaleFactor, bool) {
	var (
		untimed = -1 // first matching factor without a timestamp
		best    = -1 // best matching factor with a timestamp
		bestAge time.Duration
	)
	for i, af := range factors {
		if !rc.Factor.Match(af) {
			continue
		}
		if af.LastAuthenticatedAt == nil {
			if untimed < 0 {
				untimed = i
			}
			continue
		}
		age := now.Sub(*af.LastAuthenticatedAt)
		if age < 0 && -age <= skew {
			age = 0
		}
		if age >= 0 && age <= rc.MaxAge {
			return StaleFactor{}, true
		}
		if best < 0 || betterCandidate(age, bestAge) {
			best, bestAge = i, age
		}
	}
	stale := StaleFactor{Recency: rc}
	switch {
	case best >= 0:
		f := factors[best]
		stale.Factor, stale.LastAuthenticatedAt, stale.Age = &f, f.LastAuthenticatedAt, bestAge
	case untimed >= 0:
		f := factors[untimed]
		stale.Factor = &f
	}
	return stale, false
}

// betterCandidate reports whether a stale age a is closer to fresh than b:
// valid (non-negative) ages beat future ones, then the nearer to now wins.
func betterCandidate(a, b time.Duration) bool {
	if (a >= 0) != (b >= 0) {
		return a >= 0
	}
	if a < 0 {
		return a > b
	}
	return a < b
}
