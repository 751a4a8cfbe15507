package emulator

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryErrorTypeIsCatalogued: every error_type the emulator answers is in the catalogue, so a
// fault can inject it and its status is the same everywhere.
func TestEveryErrorTypeIsCatalogued(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`newError\("([a-z0-9_]+)"`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			seen++
			if _, ok := catalogued(m[1]); !ok {
				t.Errorf("%s: error_type %q is not in the catalogue", f, m[1])
			}
		}
	}
	for _, m := range []medium{mediumEmail, mediumPhone} {
		for _, typ := range []string{m.notFound(), m.duplicate()} {
			if _, ok := catalogued(typ); !ok {
				t.Errorf("error_type %q is not in the catalogue", typ)
			}
		}
	}
	if seen < 50 {
		t.Fatalf("found only %d uses of newError: the pattern no longer matches the source", seen)
	}
}
