// Package journal keeps write-ahead records of the nodes whose files are
// being written, so that a run that ends between writing a node's files
// and recording them in the lock (Ctrl-C during a hook, kill -9, a full
// disk when the lock is written) is not taken for a hand edit afterwards.
//
// Before a node writes anything, apply records under .kirofile/pending
// which files it is about to write and the hashes of their new contents,
// and adds the hashes its hooks leave (a formatter rewrites what was
// written). The record is removed once the lock file on disk records the
// node. A record that is still there at the next plan is unfinished work:
// files that match it were written by kirofile itself, and the node is
// generated again (retry) rather than reported as edited by hand (drift).
// A file that matches neither the lock nor the record was edited by
// someone, and is drift as before.
//
// Records are local state, never committed: .kirofile/ is ignored. A
// record that cannot be read is ignored, which at worst reports drift, the
// behaviour without a journal.
package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/fsutil"
)

// Dir is where the records live, relative to the project directory.
const Dir = ".kirofile/pending"

// Record is what one node is writing.
type Record struct {
	// Node is the node's address.
	Node string `json:"node"`
	// Started is when the node began writing, for messages.
	Started time.Time `json:"started"`
	// Files maps each project-relative path the node wrote, or is about to
	// write, to the "sha256:<hex>" hashes its content may have because of
	// kirofile: what it wrote, and what its hooks left there.
	Files map[string][]string `json:"files"`
}

// New returns an empty record for a node.
func New(node string, now time.Time) *Record {
	return &Record{Node: node, Started: now.UTC(), Files: map[string][]string{}}
}

// Add notes that path has, or is about to have, the content hash. It
// reports whether that is news to the record.
func (r *Record) Add(path, hash string) bool {
	if hash == "" || slices.Contains(r.Files[path], hash) {
		return false
	}
	r.Files[path] = append(r.Files[path], hash)
	return true
}

// Matches reports whether a file's current hash is one kirofile left there
// for this node.
func (r *Record) Matches(path, hash string) bool {
	return r != nil && hash != "" && slices.Contains(r.Files[path], hash)
}

// fileName is the record's file for a node: addresses hold only letters,
// digits, dots, dashes and underscores, so the address itself will do.
func fileName(node string) (string, error) {
	if node == "" || strings.ContainsAny(node, `/\:`) || strings.HasPrefix(node, ".") {
		return "", fmt.Errorf("journal: %q is not a node address", node)
	}
	return node + ".json", nil
}

// Write saves the record, atomically, before the caller writes the files
// it names. It is not synced: a record is there to outlive the process
// (Ctrl-C, kill -9, a crash), and the operating system keeps what a killed
// process wrote. Only a power loss can lose it, and then at worst an
// interrupted write shows as drift, as it would without a journal; two
// syncs per node would make every node wait for the disk twice more.
func Write(projectDir string, r *Record) error {
	name, err := fileName(r.Node)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	// .kirofile/ with its .gitignore: records are never committed.
	if err := cache.EnsureWorkDir(projectDir); err != nil {
		return fmt.Errorf("recording what %s writes: %w", r.Node, err)
	}
	root, err := os.OpenRoot(projectDir)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := writeUnsynced(root, name, append(data, '\n')); err != nil {
		return fmt.Errorf("recording what %s writes: %w", r.Node, err)
	}
	return nil
}

// writeUnsynced replaces the record file name under Dir through a
// temporary file and a rename, so that a reader never sees half a record.
func writeUnsynced(root *os.Root, name string, data []byte) error {
	dir, _, err := fsutil.OpenDirIn(root, Dir, true)
	if err != nil {
		return err
	}
	defer dir.Close()
	tmp, f, err := fsutil.CreateTempIn(dir, name, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Rename(tmp, name)
	}
	if err != nil {
		_ = dir.Remove(tmp)
	}
	return err
}

// Remove deletes a node's record: the lock file records the node now. A
// missing record is no error.
func Remove(projectDir, node string) error {
	name, err := fileName(node)
	if err != nil {
		return err
	}
	err = os.Remove(filepath.Join(projectDir, filepath.FromSlash(Dir), name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Load reads every record of the project, by node address. A missing
// directory holds none; a record that cannot be read is left out.
func Load(projectDir string) map[string]*Record {
	dir := filepath.Join(projectDir, filepath.FromSlash(Dir))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string]*Record{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var r Record
		if json.Unmarshal(data, &r) != nil || r.Node+".json" != name || r.Files == nil {
			continue
		}
		out[r.Node] = &r
	}
	return out
}
