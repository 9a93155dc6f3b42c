package host

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// Checksum returns the lowercase hex sha256 of the file at path: the value
// `kirofile init` pins in Kirofile.lock.hcl.
func Checksum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum of plugin binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum of plugin binary %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrChecksumMismatch is wrapped by *ChecksumError.
var ErrChecksumMismatch = errors.New("plugin checksum mismatch")

// ChecksumError says that a plugin binary is not the one that was pinned.
type ChecksumError struct {
	Name, Path    string
	Got, Expected string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("plugin %q at %s changed since `kirofile init` pinned it: sha256 %s, expected %s; "+
		"run `kirofile init -upgrade` to pin the new binary if you trust it", e.Name, e.Path, e.Got, e.Expected)
}

func (e *ChecksumError) Unwrap() error { return ErrChecksumMismatch }

// verifyChecksum compares the binary at path with the pinned sum.
func verifyChecksum(name, path, expected string) ([]byte, error) {
	want, err := hex.DecodeString(expected)
	if err != nil || len(want) != sha256.Size {
		return nil, fmt.Errorf("plugin %q: the pinned checksum %q is not a sha256 hex digest; run `kirofile init` again", name, expected)
	}
	got, err := Checksum(path)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: %w", name, err)
	}
	if got != hex.EncodeToString(want) {
		return nil, &ChecksumError{Name: name, Path: path, Got: got, Expected: expected}
	}
	return want, nil
}
