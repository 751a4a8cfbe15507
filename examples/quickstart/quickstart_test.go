package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the quickstart program: the Go quickstart runs as a
// child process exactly as `go run ./examples/quickstart` would.
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuickstart runs the README's two quickstarts, the curl script and the Go program, against a
// freshly built standalone emulator, and checks that the README shows them as they are here.
func TestQuickstart(t *testing.T) {
	readme := readFile(t, "../../README.md")
	script := readFile(t, "quickstart.sh")
	program := readFile(t, "main.go")
	t.Run("README shows the curl quickstart as it is", func(t *testing.T) {
		if !strings.Contains(readme, section(script, "BASE=")) {
			t.Error("README.md's curl quickstart differs from examples/quickstart/quickstart.sh: copy the script from its BASE= line on")
		}
	})
	t.Run("README shows an excerpt of the Go quickstart as it is", func(t *testing.T) {
		block := goBlock(t, readme)
		if !strings.Contains(dedent(program), dedent(block)) {
			t.Error("README.md's Go quickstart is not an excerpt of examples/quickstart/main.go")
		}
	})

	base := startEmulator(t)
	factors := regexp.MustCompile(`(?s)"type":"password","delivery_method":"knowledge".*"type":"otp","delivery_method":"sms"`)
	t.Run("curl", func(t *testing.T) {
		for _, tool := range []string{"bash", "curl", "jq"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("the curl quickstart needs %s on PATH (.ci/run installs it)", tool)
			}
		}
		out := runCmd(t, exec.Command("bash", "quickstart.sh"), "BASE="+base)
		if !factors.MatchString(out) {
			t.Errorf("the session does not show the password and SMS factors:\n%s", out)
		}
	})
	t.Run("Go", func(t *testing.T) {
		out := runCmd(t, exec.Command(os.Args[0], "-test.run=^$"), "QUICKSTART_RUN_MAIN=1", "STYTCH_BASE_URL="+base)
		if !regexp.MustCompile(`(?m)^password knowledge .*\n^otp sms `).MatchString(out) {
			t.Errorf("the session does not show the password and SMS factors:\n%s", out)
		}
	})
}

// startEmulator builds cmd/stytch-emulator, starts it on a free loopback port and returns its URL.
func startEmulator(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stytch-emulator")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/stytch-emulator")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
		sc, sent := bufio.NewScanner(stdout), false
		for sc.Scan() { // read to the end, so the emulator never blocks on a full pipe
			if u := url.FindString(sc.Text()); u != "" && !sent {
				ready <- u
				sent = true
			}
		}
	}()
	select {
	case u := <-ready:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("stytch-emulator printed no ready line")
		return ""
	}
}

func runCmd(t *testing.T, cmd *exec.Cmd, env ...string) string {
	t.Helper()
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, &out, &errOut)
	}
	return out.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns s from the first line starting with prefix.
func section(s, prefix string) string {
	if i := strings.Index(s, "\n"+prefix); i >= 0 {
		return s[i+1:]
	}
	return s
}

// goBlock returns the README's Go quickstart: the go code block after the quickstart marker.
func goBlock(t *testing.T, readme string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "<!-- quickstart:go -->")
	if !ok {
		t.Fatal("README.md has no <!-- quickstart:go --> marker before its Go quickstart")
	}
	_, rest, _ = strings.Cut(rest, "```go\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok || strings.TrimSpace(block) == "" {
		t.Fatal("README.md has no go code block after <!-- quickstart:go -->")
	}
	return block
}

// dedent removes each line's leading tabs, so an excerpt of a function body matches the file.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return strings.Join(lines, "\n")
}
