package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// tagSyntax is the --help text on godog's tag expressions.
const tagSyntax = `
--tags takes godog's tag expressions:
  @tag          scenarios with the tag (the @ may be left out)
  ~@tag         scenarios without it
  @a && @b      scenarios with both
  @a,@b         scenarios with either (a comma is "or"; && binds tighter)
  e.g. --tags '@requires:clock-control && ~@requires:fault-injection'
There is no "and", "or", "not" nor parentheses.
`

// checkTags refuses a --tags value that is not a godog tag expression (godog would match it
// against nothing, or crash on an empty term).
func checkTags(expr string) error {
	if expr == "" {
		return nil
	}
	for _, alt := range strings.Split(expr, ",") {
		for _, term := range strings.Split(alt, "&&") {
			term = strings.TrimSpace(term)
			name := strings.TrimPrefix(strings.TrimPrefix(term, "~"), "@")
			if name == "" || strings.ContainsAny(name, " \t\r\n@~()!&|") {
				what := fmt.Sprintf("%q is not a tag", term)
				if term == "" {
					what = "a term is empty"
				}
				return fmt.Errorf("--tags %q: %s; godog's tag expressions are @tag, ~@tag (not), @a && @b (and), @a,@b (or), e.g. '@requires:clock-control && ~@requires:fault-injection' (see -h)", expr, what)
			}
		}
	}
	return nil
}

// formats splits a --format value into its formatters: name and file ("" for the output).
func formats(spec string) [][2]string {
	var out [][2]string
	for _, f := range strings.Split(spec, ",") {
		name, file, _ := strings.Cut(strings.TrimSpace(f), ":")
		out = append(out, [2]string{name, file})
	}
	return out
}

// checkFormats validates a --format value before the run: every formatter is known, at most one
// writes to the standard output, no two write the same file, and each file can be written (its
// directory is created).
func checkFormats(spec string) error {
	var onStdout []string
	files := map[string]string{}
	for _, f := range formats(spec) {
		if godog.FindFmt(f[0]) == nil {
			names := make([]string, 0, len(godog.AvailableFormatters()))
			for n := range godog.AvailableFormatters() {
				if !strings.HasPrefix(n, fixedFormatPrefix) {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			return fmt.Errorf("--format %q: unknown formatter %q (known: %s)", spec, f[0], strings.Join(names, ", "))
		}
		if f[1] == "" {
			onStdout = append(onStdout, f[0])
			continue
		}
		abs, err := filepath.Abs(f[1])
		if err != nil {
			return fmt.Errorf("--format %s:%s: %w", f[0], f[1], err)
		}
		if other, ok := files[abs]; ok {
			return fmt.Errorf("--format %q: %s and %s both write %s", spec, other, f[0], f[1])
		}
		files[abs] = f[0]
		if err := checkWritableFile(f[1]); err != nil {
			return fmt.Errorf("--format %s:%s: %w", f[0], f[1], err)
		}
	}
	if len(onStdout) > 1 {
		return fmt.Errorf("--format %q: %s all write to the standard output; give all but one a file (name:FILE)", spec, strings.Join(onStdout, ", "))
	}
	return nil
}

// checkWritableFile checks that path can be created or overwritten, creating its directory; it
// leaves no file behind that was not there.
func checkWritableFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		return os.Remove(path)
	}
	return nil
}

// checkRecordDir checks that --record's directory can be created and written.
func checkRecordDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	f, err := os.CreateTemp(dir, ".stytch-conform-*")
	if err != nil {
		return fmt.Errorf("--record %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// probeTimeout bounds the reachability check before a run.
const probeTimeout = 10 * time.Second

// checkReachable makes one request to the target before any scenario runs, so that a target that
// is down is one clear error rather than a failure per scenario. An emulator URL must answer its
// health check; the sandbox (or --base-url) any HTTP answer. The in-process emulator needs none.
func checkReachable(ctx context.Context, cfg config) error {
	spec := strings.TrimSpace(cfg.target)
	var probe string
	switch {
	case spec == "" || spec == target.SpecEmulator:
		return nil
	case spec == target.SpecSandbox:
		probe = cfg.baseURL
		if probe == "" {
			probe = target.SandboxURL
		}
	default:
		probe = strings.TrimRight(spec, "/") + "/emulator/v1/health"
	}
	u, err := url.Parse(probe)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", probe, err)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", probe, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("cannot reach %s (%s): %w", spec, u.Host, err)
	}
	resp.Body.Close()
	if spec != target.SpecSandbox && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cannot reach a stytch-emulator at %s: %s answered %s", spec, u.Path, resp.Status)
	}
	return nil
}
