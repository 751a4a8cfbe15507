package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// publishedKeyPEM is an RSA key published in this repository, used only with
// --insecure-published-key: everyone who has the source can sign session JWTs with it. (A string,
// so that it cannot change.)
//
//go:embed insecure-published-key.pem
var publishedKeyPEM string

// publishedKeyID is the published key's kid.
const publishedKeyID = "jwk-test-7b4a2f36-445d-4665-889c-7543df90cb13"

// keyFileName is the name of the kept signing key in the data directory.
const keyFileName = "signing-key.pem"

// signingKey returns the option that sets the session-JWT signing key: --signing-key's file, the
// published key when asked for (said loudly on stderr), or the installation's own key, created on
// first start in the data directory and kept.
func signingKey(o options, stderr io.Writer) (emulator.Option, error) {
	switch {
	case o.keyFile != "":
		raw, err := os.ReadFile(o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--signing-key: %w", err)
		}
		if _, err := emulator.Build(emulator.WithSigningKey(raw, "")); err != nil {
			return nil, fmt.Errorf("--signing-key %s: %w", o.keyFile, err)
		}
		return emulator.WithSigningKey(raw, ""), nil
	case o.publishedKey:
		fmt.Fprintln(stderr, "WARNING: --insecure-published-key: session JWTs are signed with a private key published in the emulator's source. Anyone can forge a session JWT that an app verifying against this emulator's JWKS accepts. Use it for fixtures only, never where an app's MFA or step-up matters.")
		return emulator.WithSigningKey([]byte(publishedKeyPEM), publishedKeyID), nil
	}
	dir := o.dataDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			fmt.Fprintf(stderr, "stytch-emulator: no user cache directory (%v): session JWTs are signed with a key made for this run only, so the JWKS changes on restart; set --data-dir to keep one\n", err)
			raw, err := emulator.NewSigningKeyPEM()
			if err != nil {
				return nil, err
			}
			return emulator.WithSigningKey(raw, ""), nil
		}
		dir = filepath.Join(cache, "stytch-emulator")
	}
	raw, err := keptKey(filepath.Join(dir, keyFileName), stderr)
	if err != nil {
		return nil, err
	}
	return emulator.WithSigningKey(raw, ""), nil
}

// keptKey returns the PEM key at path, creating it (mode 0600, in a directory of mode 0700) when
// there is none. Two emulators starting at once agree on one key: the new key is written to a
// temporary file and linked into place only if no other was.
func keptKey(path string, stderr io.Writer) ([]byte, error) {
	raw, err := readKey(path, stderr)
	if !errors.Is(err, fs.ErrNotExist) {
		return raw, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("signing key directory: %w", err)
	}
	raw, err = emulator.NewSigningKeyPEM()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".signing-key-*.tmp") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path, stderr) // another emulator made it first
		}
		// A file system without hard links: a plain rename (the last writer wins a race).
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
	}
	fmt.Fprintf(stderr, "stytch-emulator: created the signing key %s (kept for the next starts)\n", path)
	return raw, nil
}

// readKey reads a kept key and checks that it parses; a key others may read is used, with a warning.
func readKey(path string, stderr io.Writer) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if _, err := emulator.Build(emulator.WithSigningKey(raw, "")); err != nil {
		return nil, fmt.Errorf("signing key %s: %w (delete it to make a new one)", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "WARNING: the signing key %s can be read by other users (mode %o): whoever reads it can forge session JWTs; chmod 600 it\n", path, fi.Mode().Perm())
	}
	return raw, nil
}
