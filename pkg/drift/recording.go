package drift

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FileVersion is the version of the recording file format Save writes and Load reads.
const FileVersion = 1

// Call is one recorded request and its response, normalised: no value of the request or the
// response is kept, only where it went, how it ended and the shape of what came back.
type Call struct {
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the URL path with its identifiers masked (MaskPath); the query is not recorded.
	Path string `json:"path"`
	// Status is the HTTP status; 0 when no response came (a transport error).
	Status int `json:"status"`
	// ErrorType is the body's error_type, for Stytch errors.
	ErrorType string `json:"error_type,omitempty"`
	// Shape is the response body's shape; nil for an empty body.
	Shape Shape `json:"shape,omitempty"`
}

// Endpoint returns "METHOD path".
func (c Call) Endpoint() string { return c.Method + " " + c.Path }

// Recording is what a run recorded: the calls of each scenario, in the order they were sent, and
// the scenarios skipped on its target.
type Recording struct {
	// Label names the run in reports ("emulator", "sandbox", a directory); Load sets it to the
	// directory.
	Label string
	// Scenarios maps scenario names (NoScenario for calls made without one) to their calls.
	Scenarios map[string][]Call
	// Skipped maps the names of the scenarios skipped on the run's target to why (Recorder.Skip).
	// Compare does not compare a scenario skipped on either side, whatever calls it has.
	Skipped map[string]string
}

// file is the JSON document of one scenario. Skipped is set for a scenario skipped on the run's
// target (files without it, as written before skips were recorded, are scenarios that ran).
type file struct {
	Version  int    `json:"version"`
	Scenario string `json:"scenario"`
	Skipped  string `json:"skipped,omitempty"`
	Calls    []Call `json:"calls"`
}

// FileName returns the name of the file Save writes a scenario to: a slug of the name (lower-case
// letters, digits and dashes, at most 60 characters) and the first 8 hex digits of the name's
// SHA-256, e.g. "step-up-keeps-the-token-1a2b3c4d.json".
func FileName(scenario string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(scenario) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if len(slug) > 60 {
		slug = strings.TrimRight(slug[:60], "-")
	}
	if slug == "" {
		slug = "scenario"
	}
	sum := sha256.Sum256([]byte(scenario))
	return slug + "-" + hex.EncodeToString(sum[:4]) + ".json"
}

// Save writes one JSON file per scenario into dir (created if needed), named by FileName: indented,
// with sorted keys and a final newline, so the same recording always gives the same bytes and two
// recordings diff line by line. Files of other scenarios already in dir are left alone, and Load
// reads them too: save each run into its own, empty directory.
func (rec Recording) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save recording: %w", err)
	}
	names := make([]string, 0, len(rec.Scenarios)+len(rec.Skipped))
	for name := range rec.Scenarios {
		names = append(names, name)
	}
	for name := range rec.Skipped {
		if _, ok := rec.Scenarios[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	written := map[string]string{}
	for _, name := range names {
		fn := FileName(name)
		if other, ok := written[fn]; ok {
			return fmt.Errorf("save recording: scenarios %q and %q have the same file name %s", other, name, fn)
		}
		written[fn] = name
		data, err := encodeFile(file{Version: FileVersion, Scenario: name, Skipped: rec.Skipped[name], Calls: rec.Scenarios[name]})
		if err != nil {
			return fmt.Errorf("save recording: scenario %q: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn), data, 0o644); err != nil {
			return fmt.Errorf("save recording: scenario %q: %w", name, err)
		}
	}
	return nil
}

// encodeFile is the deterministic JSON encoding of f.
func encodeFile(f file) ([]byte, error) {
	if f.Calls == nil {
		f.Calls = []Call{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil { // maps are encoded with sorted keys
		return nil, err
	}
	return buf.Bytes(), nil
}

// Load reads the recording Save wrote into dir: every *.json file in it (not in subdirectories),
// a skipped scenario's into Skipped (and into Scenarios only when it has calls). The Recording's
// Label is dir. A file that is not a recording of this format, or two files of the
// same scenario, are an error.
func Load(dir string) (Recording, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Recording{}, fmt.Errorf("load recording: %w", err)
	}
	rec := Recording{Label: dir, Scenarios: map[string][]Call{}, Skipped: map[string]string{}}
	from := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := readFile(path)
		if err != nil {
			return Recording{}, fmt.Errorf("load recording: %s: %w", path, err)
		}
		if other, ok := from[f.Scenario]; ok {
			return Recording{}, fmt.Errorf("load recording: scenario %q is in both %s and %s", f.Scenario, other, e.Name())
		}
		from[f.Scenario] = e.Name()
		if f.Skipped != "" {
			rec.Skipped[f.Scenario] = f.Skipped
			if len(f.Calls) == 0 {
				continue
			}
		}
		if f.Calls == nil {
			f.Calls = []Call{}
		}
		rec.Scenarios[f.Scenario] = f.Calls
	}
	return rec, nil
}

// errVersion is wrapped by readFile for files of another format version.
var errVersion = errors.New("unsupported recording file version")

// readFile decodes one scenario file.
func readFile(path string) (file, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return file{}, err
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return file{}, fmt.Errorf("not a recording file: %w", err)
	}
	if f.Version != FileVersion {
		return file{}, fmt.Errorf("%w %d (want %d)", errVersion, f.Version, FileVersion)
	}
	return f, nil
}
