package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// creds are a project's credentials, for the abuse's raw HTTP requests.
type creds struct{ id, secret string }

func newCreds() creds {
	return creds{id: "project-test-" + uuid.NewString(), secret: "secret-test-" + uuid.NewString()}
}

// tally counts responses by status.
type tally struct {
	mu       sync.Mutex
	statuses map[int]int64
	types    map[string]int64 // error_type of the 4xx answers
	failures int64            // no response at all
	firstErr string
}

func (t *tally) add(status int, errType string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.failures++
		if t.firstErr == "" {
			t.firstErr = err.Error()
		}
		return
	}
	if t.statuses == nil {
		t.statuses, t.types = map[int]int64{}, map[string]int64{}
	}
	t.statuses[status]++
	if errType != "" {
		t.types[errType]++
	}
}

// tallyResult is a tally read out.
type tallyResult struct {
	Statuses map[int]int64
	Types    map[string]int64
	Failures int64
	FirstErr string
}

func (t *tally) result() tallyResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	return tallyResult{Statuses: maps.Clone(t.statuses), Types: maps.Clone(t.types), Failures: t.failures, FirstErr: t.firstErr}
}

// Count5xx is the number of 5xx responses.
func (r tallyResult) Count5xx() int64 {
	var n int64
	for s, c := range r.Statuses {
		if s >= 500 {
			n += c
		}
	}
	return n
}

// String lists the statuses, e.g. "200×41 429×3 (too_many_requests×3)".
func (r tallyResult) String() string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		parts = append(parts, fmt.Sprintf("%d×%d", s, r.Statuses[s]))
	}
	if len(r.Types) > 0 {
		var types []string
		for _, k := range slices.Sorted(maps.Keys(r.Types)) {
			types = append(types, fmt.Sprintf("%s×%d", k, r.Types[k]))
		}
		parts = append(parts, "("+strings.Join(types, " ")+")")
	}
	if r.Failures > 0 {
		parts = append(parts, fmt.Sprintf("no-response×%d (first: %s)", r.Failures, r.FirstErr))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// abuse drives the second phase's attacks.
type abuse struct {
	base   string
	cfg    config
	hashes hashSet
	http   *http.Client

	hashProject          creds
	migrates, checks     tally
	checkMax             atomic.Int64 // the slowest check, in nanoseconds
	overCap              []overCapResult
	state                tally
	projects, longPaths  atomic.Int64
	users, claimSessions atomic.Int64
	slow                 slowStats
}

// overCapResult is the answer to one hash over a cap.
type overCapResult struct {
	name, errType string
	status        int
}

func newAbuse(base string, cfg config, hashes hashSet) *abuse {
	return &abuse{
		base:        base,
		cfg:         cfg,
		hashes:      hashes,
		hashProject: newCreds(),
		http: &http.Client{
			Timeout:   60 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		},
	}
}

// start runs every attack until ctx ends; the channel closes when they have all stopped.
func (a *abuse) start(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	if a.cfg.hashWorkers > 0 {
		run(func() { a.probeOverCap(ctx) })
		for w := range a.cfg.hashWorkers {
			run(func() { a.hashWorker(ctx, w) })
		}
	}
	for i := range a.cfg.slowConns {
		run(func() { a.slowConn(ctx, i) })
	}
	if a.cfg.stateRate > 0 {
		run(func() { a.growState(ctx, &wg) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); a.http.CloseIdleConnections(); close(done) }()
	return done
}

// post sends a JSON body with p's credentials and returns the status and the error_type.
func (a *abuse) post(ctx context.Context, p creds, method, path string, body any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(p.id+":"+p.secret)))
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var e struct {
		ErrorType string `json:"error_type"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		_ = json.Unmarshal(raw, &e)
	}
	return resp.StatusCode, e.ErrorType, nil
}

// hashWorker migrates a costly hash for one of its users and signs in with it, over and over: each
// sign-in checks the migrated hash once (a match replaces it, so the next round migrates again).
func (a *abuse) hashWorker(ctx context.Context, w int) {
	n := len(a.hashes.costly)
	for i := 0; ctx.Err() == nil; i++ {
		k := (w + i) % n
		h := a.hashes.costly[k]
		addr := fmt.Sprintf("hash-%d-%d@example.com", w, k)
		body := maps.Clone(h.body)
		body["email"], body["set_email_verified"] = addr, true
		status, errType, err := a.post(ctx, a.hashProject, http.MethodPost, "/v1/passwords/migrate", body)
		if ctx.Err() != nil {
			return
		}
		a.migrates.add(status, errType, err)
		if err != nil || status != http.StatusOK {
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		start := time.Now()
		status, errType, err = a.post(ctx, a.hashProject, http.MethodPost, "/v1/passwords/authenticate",
			map[string]any{"email": addr, "password": h.password})
		if ctx.Err() != nil {
			return
		}
		a.checks.add(status, errType, err)
		storeMax(&a.checkMax, int64(time.Since(start)))
	}
}

// probeOverCap sends each over-the-cap hash to migrate once.
func (a *abuse) probeOverCap(ctx context.Context) {
	for i, h := range a.hashes.overCap {
		body := maps.Clone(h.body)
		body["email"] = fmt.Sprintf("over-cap-%d@example.com", i)
		status, errType, err := a.post(ctx, a.hashProject, http.MethodPost, "/v1/passwords/migrate", body)
		if err != nil {
			errType = err.Error()
		}
		a.overCap = append(a.overCap, overCapResult{name: h.name, status: status, errType: errType})
	}
}

// maximal is a metadata or custom-claims object at Stytch's documented limits: 20 top-level keys
// and 4,096 bytes of JSON.
func maximal(prefix string) map[string]any {
	m := map[string]any{}
	for i := range 20 {
		// {"k00":"v…",…}: 20 × (8 + 195) + 19 + 2 = 4,081 bytes
		m[fmt.Sprintf("%s%02d", prefix, i)] = strings.Repeat("v", 195)
	}
	return m
}

// longPathBytes is the length of the long paths: under the server's 64 KiB header limit, so they
// reach the emulator and its request log.
const longPathBytes = 48 << 10

// growState sends stateRate requests a second, in rounds of five: a new project with its first
// user, two more users, a second session for the newest user, and a request with a long path.
// Every user has maximal metadata and every session maximal custom claims.
func (a *abuse) growState(ctx context.Context, wg *sync.WaitGroup) {
	tick := time.NewTicker(time.Second / time.Duration(a.cfg.stateRate))
	defer tick.Stop()
	jobs := make(chan int)
	var cur atomic.Pointer[creds]
	var lastUser atomic.Pointer[stateUser]
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				a.stateRequest(ctx, k, &cur, &lastUser)
			}
		}()
	}
	defer close(jobs)
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case jobs <- k:
		default: // the workers are behind: skip rather than queue up
		}
	}
}

// stateUser is a user the state growth created, in its project.
type stateUser struct {
	project creds
	email   string
}

func (a *abuse) stateRequest(ctx context.Context, k int, cur *atomic.Pointer[creds], lastUser *atomic.Pointer[stateUser]) {
	p := cur.Load()
	if k%5 == 0 || p == nil {
		c := newCreds()
		p = &c
		cur.Store(p)
	}
	var (
		status  int
		errType string
		err     error
	)
	switch k % 5 {
	case 0, 1, 2:
		addr := fmt.Sprintf("state-%d-%s@example.com", k, uuid.NewString()[:8])
		status, errType, err = a.post(ctx, *p, http.MethodPost, "/v1/passwords", map[string]any{
			"email": addr, "password": honestPassword, "session_duration_minutes": 60,
			"trusted_metadata": maximal("t"), "untrusted_metadata": maximal("u"), "session_custom_claims": maximal("c"),
		})
		if status == http.StatusOK {
			lastUser.Store(&stateUser{project: *p, email: addr})
			a.users.Add(1)
			if k%5 == 0 {
				a.projects.Add(1)
			}
		}
	case 3:
		u := lastUser.Load()
		if u == nil {
			return
		}
		status, errType, err = a.post(ctx, u.project, http.MethodPost, "/v1/passwords/authenticate", map[string]any{
			"email": u.email, "password": honestPassword, "session_duration_minutes": 60, "session_custom_claims": maximal("c"),
		})
		if status == http.StatusOK {
			a.claimSessions.Add(1)
		}
	case 4:
		status, errType, err = a.post(ctx, *p, http.MethodGet, "/v1/users/user-test-"+strings.Repeat("a", longPathBytes), nil)
		a.longPaths.Add(1)
	}
	if ctx.Err() != nil {
		return
	}
	a.state.add(status, errType, err)
}

// abuseSummary is what the abuse did, read out at the end.
type abuseSummary struct {
	Migrates, Checks, State                 tallyResult
	CheckMax                                time.Duration
	OverCap                                 []overCapResult
	Projects, Users, ClaimSessions, LongReq int64
	Slow                                    slowResult
}

func (a *abuse) summary() abuseSummary {
	return abuseSummary{
		Migrates: a.migrates.result(), Checks: a.checks.result(), State: a.state.result(),
		CheckMax: time.Duration(a.checkMax.Load()), OverCap: a.overCap,
		Projects: a.projects.Load(), Users: a.users.Load(), ClaimSessions: a.claimSessions.Load(), LongReq: a.longPaths.Load(),
		Slow: a.slow.result(),
	}
}

// Count5xx is the 5xx answers to the abuse.
func (s abuseSummary) Count5xx() int64 {
	return s.Migrates.Count5xx() + s.Checks.Count5xx() + s.State.Count5xx() + s.Slow.Statuses.Count5xx()
}
