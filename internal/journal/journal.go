// Package journal keeps write-ahead records of the nodes whose files are
// being written, so that a run that ends between writing a node's files
// and recording them in the lock (Ctrl-C during a hook, kill -9, a full
// disk when the lock is written) is not taken for a hand edit afterwards.
//
// Before a node writes anything, apply records under .kirofile/pending
// (in the run's Log) which files it is about to write and the hashes of
// their new contents, and adds the hashes its hooks leave (a formatter
// rewrites what was written). The record is ended once the lock file on
// disk records the node. A record that is still there at the next plan is unfinished work:
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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
// digits, dots, dashes and underscores, so the address itself will do,
// but for a task's quotes (feature.F.codegen.C.task["2.1"]), which
// Windows does not allow in a name: task[2.1] names the same task.
func fileName(node string) (string, error) {
	if node == "" || strings.ContainsAny(node, `/\:`) || strings.HasPrefix(node, ".") {
		return "", fmt.Errorf("journal: %q is not a node address", node)
	}
	return strings.ReplaceAll(node, `"`, "") + ".json", nil
}

// Log is where one run keeps its records: one file under Dir, named for
// the run, that each record is appended to as one line, and each removal
// as a line that ends a node's record. A run writes one file, not one per
// node: creating and deleting a file per node cost more than the rest of
// the node's work on disk (a file system allocating an inode passes over
// the ones freed recently, one by one). Close removes the file once it
// holds nothing unfinished.
//
// Lines are not synced: a record is there to outlive the process (Ctrl-C,
// kill -9, a crash), and the operating system keeps what a killed process
// wrote. Only a power loss can lose one, and then at worst an interrupted
// write shows as drift, as it would without a journal; a sync per node
// would make every node wait for the disk once more. A line is written
// with one system call before the node writes anything: a process killed
// in the middle of it has not written the node's files yet, and a line cut
// short is skipped when read.
//
// A Log is safe for concurrent use.
type Log struct {
	dir string
	mu  sync.Mutex
	// name is the file's name under Dir; f is open once the first line
	// is written. cut is set when a write failed, perhaps part-way: the
	// next starts on a line of its own.
	name string
	f    *os.File
	cut  bool
}

// OpenLog returns the log of a run in the project; its file is created
// with its first line.
func OpenLog(projectDir string) *Log {
	return &Log{dir: projectDir, name: fmt.Sprintf("run-%020d-%d%s", time.Now().UnixNano(), os.Getpid(), logExt)}
}

// logExt ends the names of logs; recordExt those of the records of
// earlier versions, one file per node.
const (
	logExt    = ".log"
	recordExt = ".json"
)

// line is one line of a log: a record, or the end of a node's record.
type line struct {
	Record
	Done bool `json:"done,omitempty"`
}

// Write appends the record, before the caller writes the files it names.
// A later record of the same node replaces an earlier one.
func (l *Log) Write(r *Record) error {
	if _, err := fileName(r.Node); err != nil {
		return err
	}
	data, err := json.Marshal(line{Record: *r})
	if err != nil {
		return err
	}
	if err := l.append(append(data, '\n')); err != nil {
		return fmt.Errorf("recording what %s writes: %w", r.Node, err)
	}
	return nil
}

// Remove ends the records of nodes: the lock file records them now. A
// node without a record is no error.
func (l *Log) Remove(nodes ...string) error {
	var b []byte
	for _, n := range nodes {
		if _, err := fileName(n); err != nil {
			return err
		}
		data, err := json.Marshal(line{Record: Record{Node: n}, Done: true})
		if err != nil {
			return err
		}
		b = append(append(b, data...), '\n')
	}
	if len(b) == 0 {
		return nil
	}
	return l.append(b)
}

// append writes data at the end of the log, in one system call.
func (l *Log) append(data []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		// .kirofile/ with its .gitignore: records are never committed.
		if err := cache.EnsureWorkDir(l.dir); err != nil {
			return err
		}
		root, err := os.OpenRoot(l.dir)
		if err != nil {
			return err
		}
		dir, _, err := fsutil.OpenDirIn(root, Dir, true)
		root.Close()
		if err != nil {
			return err
		}
		f, err := dir.OpenFile(l.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		dir.Close()
		if err != nil {
			return err
		}
		l.f = f
	}
	if l.cut {
		data = append([]byte{'\n'}, data...)
	}
	_, err := l.f.Write(data)
	l.cut = err != nil
	return err
}

// Close closes the log and tidies Dir: when no record there is
// unfinished, every file goes; otherwise the unfinished records are kept,
// in one log that replaces the others.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		if err := l.f.Close(); err != nil {
			return err
		}
		l.f = nil
	}
	dir := filepath.Join(l.dir, filepath.FromSlash(Dir))
	recs, files := load(dir)
	if len(files) == 0 || (len(recs) > 0 && len(files) == 1 && strings.HasSuffix(files[0], logExt)) {
		return nil // nothing, or nothing to gather
	}
	if len(recs) > 0 {
		var b []byte
		for _, n := range slices.Sorted(maps.Keys(recs)) {
			data, err := json.Marshal(line{Record: *recs[n]})
			if err != nil {
				return err
			}
			b = append(append(b, data...), '\n')
		}
		name := fmt.Sprintf("run-%020d-%d%s", time.Now().UnixNano(), os.Getpid(), logExt)
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Load reads every record of the project that is unfinished, by node
// address: the logs' lines in the order they were written (older runs'
// logs first), and the records of earlier versions. A missing directory
// holds none; a line or record that cannot be read is left out.
func Load(projectDir string) map[string]*Record {
	recs, _ := load(filepath.Join(projectDir, filepath.FromSlash(Dir)))
	return recs
}

// load reads the records in dir, and names the files that hold them.
func load(dir string) (map[string]*Record, []string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	out := map[string]*Record{}
	var files, logs []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		switch {
		case strings.HasSuffix(name, logExt):
			logs = append(logs, name) // read after the records of earlier versions
		case strings.HasSuffix(name, recordExt):
			files = append(files, name)
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			var r Record
			if json.Unmarshal(data, &r) != nil || r.Files == nil {
				continue
			}
			if want, err := fileName(r.Node); err != nil || want != name {
				continue
			}
			out[r.Node] = &r
		}
	}
	// Names hold the time the run started, at a fixed width: their order
	// is the runs'.
	slices.Sort(logs)
	for _, name := range logs {
		files = append(files, name)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for _, text := range bytes.Split(data, []byte("\n")) {
			var ln line
			if len(text) == 0 || json.Unmarshal(text, &ln) != nil {
				continue
			}
			if _, err := fileName(ln.Node); err != nil {
				continue
			}
			switch {
			case ln.Done:
				delete(out, ln.Node)
			case ln.Files != nil:
				r := ln.Record
				out[r.Node] = &r
			}
		}
	}
	return out, files
}
