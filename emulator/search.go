package emulator

// Which users/search queries the project's indexes answer, and which must scan every user:
//
//   - indexed: an AND query (or a single operand) with at least one operand among user_id,
//     email_address, phone_number, email_id and phone_id (exact values); an OR query whose
//     operands are all of those. The cost grows with the number of values and matches, not with
//     the project.
//   - scanned: a query without operands, and any other query (status, verification and
//     password/TOTP presence, totp_id, the fuzzy filters, creation times, the OAuth/WebAuthn/crypto
//     filters): every user of the project is visited.
//
// The candidates are a superset of the matches: every filter is still applied to each of them.

// searchCandidatesLocked returns the users an indexed query can match, or ok=false when the query
// must scan.
func (p *Project) searchCandidatesLocked(ops []searchOperand, or bool) (cands []*user, ok bool) {
	if len(ops) == 0 {
		return nil, false
	}
	var ids []string
	found := false
	for _, op := range ops {
		opIDs, indexed := p.indexedIDsLocked(op)
		switch {
		case or && !indexed:
			return nil, false // one unindexed alternative: the query must scan
		case or:
			ids = append(ids, opIDs...)
			found = true
		case indexed && (!found || len(opIDs) < len(ids)):
			ids, found = opIDs, true // AND: the most selective indexed operand bounds the matches
		}
	}
	if !found {
		return nil, false
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if u := p.users[id]; u != nil && !seen[id] {
			seen[id] = true
			cands = append(cands, u)
		}
	}
	return cands, true
}

// indexedIDsLocked returns the ids of the users an operand with exact values can match, or
// indexed=false for a filter without an index. Values that are not strings were refused earlier
// by compileFilter.
func (p *Project) indexedIDsLocked(op searchOperand) (ids []string, indexed bool) {
	vals, isArray := op.FilterValue.([]any)
	if !isArray {
		return nil, false
	}
	lookup := func(v string) (string, bool) { return v, true }
	switch op.FilterName {
	case "user_id":
	case "email_address":
		lookup = func(v string) (string, bool) { id, ok := p.owners[mediumEmail.key(v)]; return id, ok }
	case "phone_number":
		lookup = func(v string) (string, bool) { id, ok := p.owners[mediumPhone.key(v)]; return id, ok }
	case "email_id", "phone_id":
		lookup = func(v string) (string, bool) { id, ok := p.methods[v]; return id, ok }
	default:
		return nil, false
	}
	for _, v := range vals {
		s, _ := v.(string)
		if id, ok := lookup(s); ok {
			ids = append(ids, id)
		}
	}
	return ids, true
}
