package emulator

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Persistence: with WithDataDir every project's state is kept in a directory as one snapshot file
// per project (see snapshot.go), written atomically (a temporary file, fsync, rename, fsync of the
// directory) shortly after its state changes and on Close, and loaded when the emulator starts. A
// file that cannot be read back — corrupt, not a snapshot, of a later version, inconsistent — stops
// the start with an error naming it, and is left untouched.

// FlushDelay is how long after a change the project's snapshot is written: changes arriving in
// that time are written together. After a write that took w, the next one waits at least
// flushCostRatio×w, so that writing large projects takes at most about a tenth of the time. After
// a crash (kill -9) the state on disk is behind by at most that wait plus the time of one write.
const FlushDelay = 100 * time.Millisecond

// flushCostRatio bounds the writer's share of time: it waits this many times as long as its last
// write took.
const flushCostRatio = 9

// MaxImportBytes bounds the body of POST /emulator/v1/import.
const MaxImportBytes = 64 << 20

// snapshotDir is where the project files live inside the data directory.
const snapshotDir = "projects"

// WithDataDir keeps every project's state in dir (created if missing): loaded by New/Build, written
// shortly after each change and by Close. Changes made in-process through a Project's clock are
// written with the next flush or by Close. A snapshot that cannot be loaded makes Build fail (New
// panic) and is left as it is.
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// store writes the snapshots of changed projects.
type store struct {
	dir  string
	logf func(format string, args ...any)

	mu    sync.Mutex
	dirty map[*Project]bool

	writeMu   sync.Mutex // one snapshot write at a time
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// touch marks a project as changed; its snapshot is written within FlushDelay. A nil store (no
// data directory) does nothing.
func (s *store) touch(p *Project) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.dirty[p] = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run writes the changed projects FlushDelay (or flushCostRatio times the last write's duration,
// when longer) after the first change, until stop.
func (s *store) run() {
	defer close(s.done)
	wait := FlushDelay
	for {
		select {
		case <-s.wake:
		case <-s.stop:
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.stop:
			t.Stop()
			return
		}
		s.mu.Lock()
		batch := s.dirty
		s.dirty = map[*Project]bool{}
		s.mu.Unlock()
		start := time.Now()
		for p := range batch {
			if err := s.save(p); err != nil {
				s.logf("emulator: %v", err)
				s.touch(p) // try again with the next flush
			}
		}
		wait = max(FlushDelay, flushCostRatio*time.Since(start))
	}
}

// save writes one project's snapshot.
func (s *store) save(p *Project) error {
	doc, err := p.snapshot()
	if err != nil {
		return err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("snapshot of %s: %w", p.id, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if p.evicted.Load() {
		return nil // forgotten while its snapshot was being taken
	}
	return writeFileAtomic(filepath.Join(s.dir, snapshotDir, fileNameOf(p.id)), data)
}

// forget deletes the snapshot of a project that was evicted (p.evicted set), so that it does not
// come back at the next start. A nil store does nothing.
func (s *store) forget(p *Project) {
	if s == nil {
		return
	}
	s.mu.Lock()
	delete(s.dirty, p)
	s.mu.Unlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := os.Remove(filepath.Join(s.dir, snapshotDir, fileNameOf(p.id))); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.logf("emulator: forget evicted project %s: %v", p.id, err)
	}
}

// safeName is a project id usable as a file name as it is.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$`)

// fileNameOf is the snapshot file of a project: its id, or its id in hex when it has other
// characters.
func fileNameOf(id string) string {
	if safeName.MatchString(id) {
		return id + ".json"
	}
	return "x-" + hex.EncodeToString([]byte(id)) + ".json"
}

// writeFileAtomic replaces path with data so that a crash at any moment leaves either the old file
// or the new one: a temporary file in the same directory, synced, renamed over path, and the
// directory synced.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write snapshot %s: sync directory: %w", path, err)
	}
	return nil
}

// parseSnapshot reads a snapshot document: its format and version first, so that a later
// version is named as such rather than reported as unknown fields, then every field strictly.
func parseSnapshot(data []byte) (*snapshotDoc, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a readable snapshot (corrupt or truncated?): %s", jsonWords(err))
	}
	switch {
	case head.Format != snapshotFormat:
		return nil, fmt.Errorf("not an emulator project snapshot (format %q, want %q)", head.Format, snapshotFormat)
	case head.Version > snapshotVersion:
		return nil, fmt.Errorf("snapshot version %d was written by a newer emulator; this one reads version %d", head.Version, snapshotVersion)
	case head.Version < 1:
		return nil, fmt.Errorf("snapshot version %d is not valid", head.Version)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc snapshotDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a readable snapshot (corrupt?): %s", jsonWords(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a readable snapshot (corrupt?): data after the document")
	}
	if doc.Project.ProjectID == "" {
		return nil, errors.New("the snapshot names no project")
	}
	return &doc, nil
}

// jsonWords says what a decoding error found in JSON's words, not Go's.
func jsonWords(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var when *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (offset %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "the snapshot"
		}
		return fmt.Sprintf("%s must be %s, not %s", where, jsonKindOf(typ.Type), typ.Value)
	case errors.As(err, &when):
		return fmt.Sprintf("%q is not an RFC 3339 time", when.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "not a valid snapshot document"
}

// jsonKindOf names what JSON value a Go type decodes from.
func jsonKindOf(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return "a number"
}

// maxSnapshotFile bounds a snapshot file read at start: far above what a project within the
// default limits writes (10,000 users with both metadata fields full and 100,000 sessions with
// 4 KB of custom claims come to about 0.6 GB).
const maxSnapshotFile = 1 << 30

// readSnapshotFile reads a snapshot file: a regular file (a link to one will do) of at most
// maxSnapshotFile bytes. A FIFO would hold the start forever and a device (/dev/zero) exhaust its
// memory, so neither is opened.
func readSnapshotFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if st.Size() > maxSnapshotFile {
		return nil, fmt.Errorf("the file is larger than a snapshot can be (%d bytes, at most %d)", st.Size(), maxSnapshotFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSnapshotFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSnapshotFile {
		return nil, fmt.Errorf("the file is larger than a snapshot can be (at most %d bytes)", maxSnapshotFile)
	}
	return data, nil
}

// loaded is a snapshot file read and checked, ready to install.
type loaded struct {
	path   string
	secret string
	id     string
	state  *projectState
}

// openStore loads the snapshots of the data directory into the emulator's projects and starts
// the writer. Every file is read and checked before any project changes, so a bad file leaves
// nothing half-loaded (and the file as it is).
func (e *Emulator) openStore() error {
	dir := filepath.Join(e.cfg.dataDir, snapshotDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var all []loaded
	seen := map[string]string{}
	for _, ent := range entries {
		name := ent.Name()
		if strings.HasPrefix(name, ".tmp-") && !ent.IsDir() {
			// A write cut off by a crash: the snapshot it was replacing is intact.
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			continue
		}
		if ent.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := readSnapshotFile(path)
		if err != nil {
			return fmt.Errorf("load %s: %w (the file is left as it is; move it away to start without it)", path, err)
		}
		doc, err := parseSnapshot(data)
		if err != nil {
			return fmt.Errorf("load %s: %w (the file is left as it is; move it away to start without it)", path, err)
		}
		ps := &doc.Project
		if want := fileNameOf(ps.ProjectID); name != want {
			// Written back under its own name, it would be loaded twice at the next start.
			return fmt.Errorf("load %s: the snapshot of project %s belongs in %s (the file is left as it is; rename it)", path, ps.ProjectID, want)
		}
		if other, dup := seen[ps.ProjectID]; dup {
			return fmt.Errorf("load %s: project %s is also in %s", path, ps.ProjectID, other)
		}
		seen[ps.ProjectID] = path
		if strings.HasPrefix(ps.ProjectID, liveProjectPref) || ps.Secret == "" {
			return fmt.Errorf("load %s: project %q is a live project or has no secret", path, ps.ProjectID)
		}
		st, err := restoreState(ps, e.routes, e.cfg.limits, e.wallNow())
		if err != nil {
			return fmt.Errorf("load %s: %w (the file is left as it is)", path, err)
		}
		all = append(all, loaded{path: path, secret: ps.Secret, id: ps.ProjectID, state: st})
	}
	s := &store{dir: e.cfg.dataDir, logf: e.cfg.logf, dirty: map[*Project]bool{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	e.store = s
	for _, p := range e.projects {
		p.persist = s
	}
	for _, l := range all {
		p := e.projects[l.id]
		if p == nil {
			// Not configured: it was auto-provisioned, and may be evicted once idle (counted
			// from this start).
			p = e.newProject(l.id, l.secret)
			p.provisioned = true
			p.lastUsed.Store(e.wallNow().UnixNano())
			e.projects[l.id] = p
		} else if p.secret != l.secret {
			e.cfg.logf("emulator: %s: project %s keeps the secret it is configured with, not the saved one", l.path, l.id)
		}
		// The emulator-wide ceilings are not applied at start: the files were written under them,
		// and refusing to start on its own data would help no one.
		_ = p.install(l.state, false)
	}
	go s.run()
	return nil
}

// Close writes every project's snapshot and stops the writer when the emulator keeps its state in
// a data directory (WithDataDir); otherwise it does nothing. Call it on graceful shutdown. The
// emulator should not serve requests after Close.
func (e *Emulator) Close() error {
	e.ready()
	s := e.store
	if s == nil {
		return nil
	}
	var errs []error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		e.mu.RLock()
		projects := make([]*Project, 0, len(e.projects))
		for _, p := range e.projects {
			projects = append(projects, p)
		}
		e.mu.RUnlock()
		for _, p := range projects {
			if err := s.save(p); err != nil {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

// Export returns the project's snapshot: a versioned JSON document of its whole state, which
// Import (or POST /emulator/v1/import) restores.
func (p *Project) Export() ([]byte, error) {
	doc, err := p.snapshot()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// Import replaces the project's state with a snapshot of the same project (from Export or POST
// /emulator/v1/export): users, sessions, codes, outbox, faults, request log and clock offset. The
// project keeps its secret. A snapshot of another project, of a later version or not consistent is
// refused with a 400 *Error, one that would take the emulator over Limits.MaxUsers or
// Limits.MaxSessions with a 429 *Error; either changes nothing.
func (p *Project) Import(snapshot []byte) error {
	doc, err := parseSnapshot(snapshot)
	if err != nil {
		return newError("bad_request", "The snapshot cannot be imported: %v.", err)
	}
	if doc.Project.ProjectID != p.id {
		return newError("bad_request", "The snapshot is of project %s, not %s.", doc.Project.ProjectID, p.id)
	}
	st, err := restoreState(&doc.Project, p.routes, p.set.limits, p.clock.base())
	if err != nil {
		return newError("bad_request", "The snapshot cannot be imported: %v.", err)
	}
	if err := p.install(st, true); err != nil {
		return err
	}
	p.persist.touch(p)
	return nil
}

type exportResponse struct {
	meta
	Snapshot json.RawMessage `json:"snapshot"`
}

// controlExport serves POST /emulator/v1/export: {"snapshot": {...}}.
func controlExport(c *call) (int, metaSetter, error) {
	data, err := c.p.Export()
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &exportResponse{Snapshot: data}, nil
}

// controlImport serves POST /emulator/v1/import with {"snapshot": {...}} (an export's answer as it
// is will do).
//
// The whole import holds a decoding slot, and the envelope is not decoded into a tree as other
// bodies are: a 54 MiB snapshot of small metadata values took 27 s of CPU and a 2.8 GB heap that
// way, with the restore outside the slot. The snapshot itself is read by the snapshot parser.
func controlImport(c *call) (int, metaSetter, error) {
	release, err := c.decodeSlot()
	if err != nil {
		return 0, nil, err
	}
	defer release()
	snapshot, aerr := importEnvelope(c.body)
	if aerr != nil {
		return 0, nil, aerr
	}
	if err := c.p.Import(snapshot); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &metaOnly{}, nil
}

// importEnvelope returns the snapshot of an import body, {"snapshot": {…}}: the key spelt
// exactly and not repeated, other keys skipped (an export's answer has request_id and
// status_code), nothing after the object.
func importEnvelope(body []byte) (json.RawMessage, *Error) {
	const pass = "Pass the snapshot to import as {\"snapshot\": …} (what POST /emulator/v1/export answers)."
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, newError("bad_request", pass)
	}
	if aerr := checkUTF8(body); aerr != nil {
		return nil, aerr
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var snapshot json.RawMessage
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, newError("bad_request", "The request body must be a JSON object. "+pass)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, decodeError(err)
		}
		into := &snapshot
		switch {
		case key == "snapshot" && snapshot != nil:
			return nil, newError("bad_request", "The request body repeats the field \"snapshot\".")
		case key != "snapshot": // another field, such as an export answer's request_id, is skipped
			into = new(json.RawMessage)
		}
		if err := dec.Decode(into); err != nil {
			return nil, decodeError(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newError("bad_request", "The request body has data after its JSON object.")
	}
	if len(snapshot) == 0 || string(snapshot) == "null" {
		return nil, newError("bad_request", pass)
	}
	return snapshot, nil
}
