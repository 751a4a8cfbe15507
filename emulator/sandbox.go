package emulator

import "time"

// Stytch's sandbox values (https://stytch.com/docs/guides/testing/sandbox-values):
// inputs that the real test environment answers the same way in every project. This file is the
// one table of them; installSandbox puts the fixtures into each project.
const (
	// SandboxUserID is the sandbox user, present in every project.
	SandboxUserID = "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd"
	// sandboxEmail and sandboxPhone receive no message; their OTP code is always sandboxCode.
	sandboxEmail = "sandbox@stytch.com"
	sandboxPhone = "+10000000000"
	// sandboxCode is the OTP code of the sandbox identities and the sandbox user's TOTP code.
	sandboxCode = "000000"
	// sandboxRecoveryCode is the sandbox user's TOTP recovery code.
	sandboxRecoveryCode = "a1b2-c3d4-e5f6"
	// SandboxSessionToken authenticates (200) as a session of the sandbox user; it cannot be revoked.
	SandboxSessionToken = "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY"
	// SandboxMissingSessionToken always answers 404 session_not_found.
	SandboxMissingSessionToken = "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw"

	// SandboxEmailID and SandboxPhoneID are the fixed method ids of the sandbox identities: the
	// sends to them return these ids, and otps/authenticate takes either with code 000000, even
	// without a prior send (Stytch's sandbox values page; public client code hard-codes them).
	SandboxEmailID = "email-test-23873e89-d4ed-4e92-b3b9-e5c7198fa286"
	SandboxPhoneID = "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3"

	sandboxTOTPID    = "totp-test-9f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a"
	sandboxSessionID = "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509"
	sandboxPassword  = "password-test-2c7a5b1e-6d4f-4e3a-9b8c-0d1e2f3a4b5c"
	// sandboxTOTPSecret is a fixed base32 secret; the sandbox TOTP also takes sandboxCode.
	sandboxTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// Stytch's sandbox magic-link tokens (the Node SDK's live sandbox test; the sandbox-values page).
const (
	// SandboxMagicLinkToken authenticates (200) as the sandbox user, any number of times.
	SandboxMagicLinkToken = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="
	// SandboxMagicLinkUnauthorizedToken always answers 401 unable_to_auth_magic_link.
	SandboxMagicLinkUnauthorizedToken = "3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU="
	// SandboxMagicLinkNotFoundToken always answers 404 magic_link_not_found.
	SandboxMagicLinkNotFoundToken = "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM="
)

// Sandbox identities, exported for harnesses that pick the sandbox identity on any target.
const (
	SandboxEmail        = sandboxEmail
	SandboxPhone        = sandboxPhone
	SandboxCode         = sandboxCode
	SandboxRecoveryCode = sandboxRecoveryCode
)

// sandboxStartedAt is the sandbox session's start time as the real API reports it, fraction
// included: "2021-08-28T00:41:58.935673Z" (Stytch's Node SDK sandbox test asserts that string).
func sandboxStartedAt() time.Time { return time.Date(2021, 8, 28, 0, 41, 58, 935673000, time.UTC) }

// installSandbox adds the sandbox user (verified email and phone, a password that accepts
// anything, a verified TOTP taking 000000 and the recovery code a1b2-c3d4-e5f6) and the sandbox
// session to a project. The 404 session token needs no fixture: it is simply unknown.
func installSandbox(p *Project) {
	started := sandboxStartedAt()
	u := &user{
		id:        SandboxUserID,
		createdAt: started,
		status:    "active",
		sandbox:   true,
		contacts: []*contact{
			{id: SandboxEmailID, medium: mediumEmail, value: sandboxEmail, verified: true},
			{id: SandboxPhoneID, medium: mediumPhone, value: sandboxPhone, verified: true},
		},
		password: &storedPassword{id: sandboxPassword},
		totps: []*totpRecord{{
			id: sandboxTOTPID, secret: sandboxTOTPSecret, verified: true, sandboxFixed: true, createdAt: started,
			recovery: []*recoveryCode{{id: prefixRecovery + "5d7f0c2e-1b3a-4c5d-8e6f-7a8b9c0d1e2f", code: sandboxRecoveryCode}},
		}},
	}
	p.users[u.id] = u
	for _, ct := range u.contacts {
		p.owners[ct.medium.key(ct.value)] = u.id
		p.methods[ct.id] = u.id
	}
	s := &session{
		id:             sandboxSessionID,
		userID:         u.id,
		startedAt:      started,
		lastAccessedAt: started,
		// The sandbox session never expires.
		expiresAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		factors: []*factor{{
			typ: "magic_link", delivery: "email", emailID: SandboxEmailID, emailAddress: sandboxEmail,
			createdAt: started, updatedAt: started, lastAuthAt: started,
		}},
		token:   SandboxSessionToken,
		tokens:  []string{SandboxSessionToken},
		sandbox: true,
	}
	p.sessions[s.id] = s
	p.tokens[s.token] = &tokenEntry{sessionID: s.id}
}
