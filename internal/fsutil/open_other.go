//go:build !unix

package fsutil

import "os"

// OpenRead opens a file for reading: os.Open (see open_unix.go).
func OpenRead(name string) (*os.File, error) { return os.Open(name) }
