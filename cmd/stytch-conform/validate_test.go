package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// TestUnreachableTarget: a target that cannot be reached is one "cannot reach" line and exit 2,
// before any scenario runs.
func TestUnreachableTarget(t *testing.T) {
	down := closedURL(t)
	notEmulator := emulator.NewTestServer(t).URL + "/v1" // answers, but has no health check there
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"case=emulator url", nil, []string{"--target", down}, "stytch-conform: cannot reach " + down + " (" + strings.TrimPrefix(down, "http://") + "): "},
		{"case=not an emulator", nil, []string{"--target", notEmulator}, "stytch-conform: cannot reach a stytch-emulator at " + notEmulator + ": /v1/emulator/v1/health answered 404"},
		{"case=sandbox base url", map[string]string{target.EnvProjectID: "project-test-00000000-0000-4000-8000-000000000001", target.EnvSecret: "s"},
			[]string{"--target", "sandbox", "--base-url", down}, "stytch-conform: cannot reach sandbox (" + strings.TrimPrefix(down, "http://") + "): "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rec")
			code, out, errOut := conform(t, tc.vars, append(tc.args, "--record", dir)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out, "no scenario ran")
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line:\n%s", errOut)
			assert.True(t, strings.HasPrefix(errOut, tc.want), "%s", errOut)
		})
	}
}

// TestRefusedBeforeTheRun: outputs that cannot be written, two formats on the standard output and
// an invalid tag expression are usage errors, found before any scenario runs.
func TestRefusedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"case=record under a file", []string{"--record", filepath.Join(aFile, "rec")}, "--record: mkdir " + aFile + ": not a directory"},
		{"case=record is a file", []string{"--record", aFile}, "--record: mkdir " + aFile + ": not a directory"},
		{"case=junit under a file", []string{"--format", "progress,junit:" + filepath.Join(aFile, "j.xml")}, "--format junit:" + filepath.Join(aFile, "j.xml")},
		{"case=junit is a directory", []string{"--format", "junit:" + dir}, "--format junit:" + dir + ": is a directory"},
		{"case=two formats on stdout", []string{"--format", "pretty,progress"}, `--format "pretty,progress": pretty, progress all write to the standard output`},
		{"case=junit and progress on stdout", []string{"--format", "junit,progress"}, "all write to the standard output"},
		{"case=one file twice", []string{"--format", "junit:" + filepath.Join(dir, "r.xml") + ",cucumber:" + filepath.Join(dir, "r.xml")}, "junit and cucumber both write " + filepath.Join(dir, "r.xml")},
		{"case=tags with and", []string{"--tags", "@requires:clock-control and @requires:read-codes"}, `"@requires:clock-control and @requires:read-codes" is not a tag`},
		{"case=tags with not", []string{"--tags", "not @x"}, `"not @x" is not a tag`},
		{"case=empty term", []string{"--tags", "@a &&"}, "a term is empty"},
		{"case=empty alternative", []string{"--tags", "@a,,@b"}, "a term is empty"},
		{"case=blank", []string{"--tags", " "}, "a term is empty"},
		{"case=parentheses", []string{"--tags", "(@a)"}, `"(@a)" is not a tag`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := conform(t, nil, append([]string{"--target", closedURL(t)}, tc.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
			assert.NotContains(t, errOut, "cannot reach", "refused before the target is tried")
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the checks leave no file behind")
}

// TestValidTagsAndOutputs: the forms the help shows are accepted, and a file output's directory is
// created.
func TestValidTagsAndOutputs(t *testing.T) {
	for _, expr := range []string{"", "@requires:clock-control", "~@requires:read-codes", "requires:clock-control", "@a && ~@b", "@a, @b && @c"} {
		assert.NoError(t, checkTags(expr), expr)
	}
	dir := filepath.Join(t.TempDir(), "reports", "deep")
	require.NoError(t, checkFormats("progress,junit:"+filepath.Join(dir, "j.xml")+",cucumber:"+filepath.Join(dir, "c.json")))
	_, err := os.Stat(dir)
	require.NoError(t, err, "the directory is made")
	_, err = os.Stat(filepath.Join(dir, "j.xml"))
	require.ErrorIs(t, err, os.ErrNotExist, "no empty report is left")

	code, _, errOut := conform(t, nil, "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "--tags takes godog's tag expressions")
	assert.Contains(t, errOut, "e.g. --tags '@requires:clock-control && ~@requires:fault-injection'")
}
