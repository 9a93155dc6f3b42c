package cache

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"sync"
)

// A sealed cache file is
//
//	magic (8 bytes) | kind (1) | format (1) | payload | MAC (32)
//
// where MAC is HMAC-SHA256, under a secret key, of the project directory's
// absolute path followed by every byte before the MAC. Any change to the
// file, a flipped bit included, fails the MAC; so does a cache copied from
// another directory. The key lives outside the project, in the user's cache
// directory (os.UserCacheDir()/kirofile/cache.key, mode 0600), so that a
// cache file crafted by anyone or anything that cannot read the user's
// files (an archive of a project, a tool that edits the project) is refused
// too. Where there is no user cache directory the key is kept in the
// project's own .kirofile/cache: corruption is still caught, tampering by
// whoever can write the project no longer is.
const (
	magic     = "KFCACHE\x00"
	macSize   = sha256.Size
	keySize   = 32
	keyFile   = "cache.key"
	headerLen = len(magic) + 2
)

// Kinds of cache file, so that one kind is never read as another.
const (
	kindHashes = 1
)

// userKeyDir is where the key is kept; tests point it elsewhere.
var userKeyDir = func() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kirofile"), nil
}

var (
	keyMu   sync.Mutex
	keyMemo = map[string][]byte{} // by project directory
)

// key returns the MAC key for a project's caches, creating it on first use;
// nil when none can be had, which turns caching off.
func key(projectDir string) []byte {
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyMemo[projectDir]; ok {
		return k
	}
	var k []byte
	if dir, err := userKeyDir(); err == nil {
		k = readOrCreateKey(dir)
	}
	if k == nil {
		k = readOrCreateKey(filepath.Join(projectDir, Dir))
	}
	keyMemo[projectDir] = k
	return k
}

// readOrCreateKey reads dir's key, creating it if it does not exist. Two
// processes creating it at once agree on one: the key is written to a
// temporary file and linked into place, which fails if another was first.
func readOrCreateKey(dir string) []byte {
	path := filepath.Join(dir, keyFile)
	if k, err := os.ReadFile(path); err == nil && len(k) == keySize {
		return k
	}
	if os.MkdirAll(dir, 0o700) != nil {
		return nil
	}
	k := make([]byte, keySize)
	if _, err := rand.Read(k); err != nil {
		return nil
	}
	tmp, err := os.CreateTemp(dir, "."+keyFile+".tmp-*")
	if err != nil {
		return nil
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(k)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Chmod(tmp.Name(), 0o600) != nil {
		return nil
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if existing, err := os.ReadFile(path); err == nil && len(existing) == keySize {
			return existing // another process was first
		}
		// A damaged key (or a file system without hard links): replace
		// it. Caches sealed with the old key become misses.
		if os.Rename(tmp.Name(), path) != nil {
			return nil
		}
	}
	return k
}

// mac computes the seal of body for the project at dir.
func mac(k []byte, projectDir string, body []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(projectDir))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)
}

// seal wraps a payload into a cache file of the given kind and format;
// nil when the project has no key.
func seal(projectDir string, kind, format byte, payload []byte) []byte {
	k := key(projectDir)
	if k == nil {
		return nil
	}
	out := make([]byte, 0, headerLen+len(payload)+macSize)
	out = append(out, magic...)
	out = append(out, kind, format)
	out = append(out, payload...)
	return append(out, mac(k, projectDir, out)...)
}

// open checks a cache file and returns its payload, or false when the file
// is not a sealed cache of this kind and format for this project. Nothing
// of the payload is looked at before the MAC is checked.
func open(projectDir string, kind, format byte, data []byte) ([]byte, bool) {
	if len(data) < headerLen+macSize || string(data[:len(magic)]) != magic {
		return nil, false
	}
	k := key(projectDir)
	if k == nil {
		return nil, false
	}
	body, sum := data[:len(data)-macSize], data[len(data)-macSize:]
	if !hmac.Equal(sum, mac(k, projectDir, body)) {
		return nil, false
	}
	if body[len(magic)] != kind || body[len(magic)+1] != format {
		return nil, false
	}
	return body[headerLen:], true
}
