package emulator

import (
	"slices"
	"strings"
	"time"
)

// unverifiedTTL is how long an email or phone attached unverified by a send (with user_id or a
// session) stays on the user without being authenticated.
const unverifiedTTL = 5 * time.Minute

// medium is what a contact is: an email address or a phone number. SMS and WhatsApp are two
// deliveries to a phone number, so they share its contact, its phone_id and its code.
type medium uint8

const (
	mediumEmail medium = iota
	mediumPhone
)

// mediumOf returns the medium an OTP channel delivers to.
func mediumOf(channel string) medium {
	if channel == channelEmail {
		return mediumEmail
	}
	return mediumPhone
}

// noun names the medium in error messages.
func (m medium) noun() string {
	if m == mediumEmail {
		return "email"
	}
	return "phone number"
}

// notFound is the error_type of an unknown contact of this medium.
func (m medium) notFound() string {
	if m == mediumEmail {
		return "email_not_found"
	}
	return "phone_number_not_found"
}

// duplicate is the error_type of a contact owned by another user.
func (m medium) duplicate() string {
	if m == mediumEmail {
		return "duplicate_email"
	}
	return "duplicate_phone_number"
}

// key is the index key of a contact value: email addresses are case-insensitive.
func (m medium) key(value string) contactKey {
	if m == mediumEmail {
		value = strings.ToLower(value)
	}
	return contactKey{medium: m, value: value}
}

// contactKey indexes a contact value in its project.
type contactKey struct {
	medium medium
	value  string
}

// contact is an email address or a phone number on a user.
type contact struct {
	id       string // email_id or phone_id
	medium   medium
	value    string // the address or the E.164 number
	verified bool
	// pendingSince is set when a send with user_id/session attached the contact unverified; it is
	// removed if it is not verified within unverifiedTTL.
	pendingSince time.Time
}

// verify marks the contact verified (and no longer pending).
func (ct *contact) verify() { ct.verified, ct.pendingSince = true, time.Time{} }

// expired reports whether a pending contact outlived unverifiedTTL at now.
func (ct *contact) expired(now time.Time) bool {
	return !ct.verified && !ct.pendingSince.IsZero() && !now.Before(ct.pendingSince.Add(unverifiedTTL))
}

// refreshPending restarts the 5-minute window of a still-unverified contact attached by a send
// when a new code is sent to it: the user has 5 minutes from the latest code.
func (ct *contact) refreshPending(now time.Time) {
	if !ct.verified && !ct.pendingSince.IsZero() {
		ct.pendingSince = now
	}
}

// contact returns u's contact of medium m with this value (emails case-insensitively, as the
// project's index compares them: by key).
func (u *user) contact(m medium, value string) *contact {
	k := m.key(value)
	for _, ct := range u.contacts {
		if ct.medium == m && m.key(ct.value) == k {
			return ct
		}
	}
	return nil
}

// contactByID returns u's contact with this email_id or phone_id.
func (u *user) contactByID(id string) *contact {
	for _, ct := range u.contacts {
		if ct.id == id {
			return ct
		}
	}
	return nil
}

// firstContact returns u's first contact of medium m, or nil.
func (u *user) firstContact(m medium) *contact {
	for _, ct := range u.contacts {
		if ct.medium == m {
			return ct
		}
	}
	return nil
}

// unverifiedCount is how many unverified emails and phones u has.
func (u *user) unverifiedCount() int {
	n := 0
	for _, ct := range u.contacts {
		if !ct.verified {
			n++
		}
	}
	return n
}

// addContactLocked attaches a contact to u; a non-zero pendingSince marks it as attached by a send
// (it expires unverified).
func (p *Project) addContactLocked(u *user, m medium, value string, verified bool, pendingSince time.Time) *contact {
	prefix := prefixEmail
	if m == mediumPhone {
		prefix = prefixPhone
	}
	ct := &contact{id: newID(prefix), medium: m, value: value, verified: verified, pendingSince: pendingSince}
	u.contacts = append(u.contacts, ct)
	p.owners[m.key(value)] = u.id
	p.methods[ct.id] = u.id
	return ct
}

// unindexContactLocked forgets a contact's index entries and active code.
func (p *Project) unindexContactLocked(ct *contact) {
	delete(p.owners, ct.medium.key(ct.value))
	delete(p.methods, ct.id)
	delete(p.otps, ct.id)
}

// removeContactLocked removes a contact from u.
func (p *Project) removeContactLocked(u *user, ct *contact) {
	p.unindexContactLocked(ct)
	u.contacts = slices.DeleteFunc(u.contacts, func(x *contact) bool { return x == ct })
}

// pruneLocked removes u's unverified contacts attached by a send more than unverifiedTTL ago.
func (p *Project) pruneLocked(u *user, now time.Time) {
	u.contacts = slices.DeleteFunc(u.contacts, func(ct *contact) bool {
		if ct.expired(now) {
			p.unindexContactLocked(ct)
			return true
		}
		return false
	})
}

// ownerLocked returns the live user owning a contact value.
func (p *Project) ownerLocked(m medium, value string, now time.Time) *user {
	id, ok := p.owners[m.key(value)]
	if !ok {
		return nil
	}
	u := p.userLocked(id, now)
	if u == nil || u.contact(m, value) == nil { // pruned just now
		return nil
	}
	return u
}
