package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/lockmerge"
)

var mergeLockCommand = &commandSpec{
	name:     "merge-lock",
	synopsis: "Merge Kirofile.lock.hcl record by record (Git's merge driver for it)",
	args:     "[BASE OURS THEIRS [PATH]]",
	help: `
Merges two branches' Kirofile.lock.hcl record by record: a node or plugin
record only one branch changed takes that branch's version, and only a
record both branches changed differently is a conflict, marked in the file
between <<<<<<< and >>>>>>> for a person to keep one side. Plugin pins merge
platform by platform. The merged lock is read back before it is written.

As Git's merge driver, with BASE OURS THEIRS (Git's %O %A %B): writes the
result over OURS and exits 1 when a conflict is left. "kirofile init" marks
the lock for it in .gitattributes; tell Git, once per clone:

  git config merge.kirofile-lock.name "kirofile lock merge"
  git config merge.kirofile-lock.driver "kirofile merge-lock %O %A %B %P"

Without arguments, in the middle of a merge that left the lock in conflict
(the driver was not set up): merges the lock's three versions from Git's
index into Kirofile.lock.hcl. Then run "kirofile plan" to see what the
merged branches need, and "git add Kirofile.lock.hcl".`,
	new: func() command { return &mergeLockCmd{} },
}

type mergeLockCmd struct{}

func (c *mergeLockCmd) flags(*flag.FlagSet) {}

func (c *mergeLockCmd) run(m *meta, args []string) int {
	switch len(args) {
	case 0:
		return c.fromIndex(m)
	case 3, 4:
		return c.driver(m, args)
	}
	return m.usageErrorf("merge-lock takes BASE OURS THEIRS [PATH] as Git's merge driver, or nothing during a merge")
}

// driver merges as Git's merge driver: the result replaces OURS.
func (c *mergeLockCmd) driver(m *meta, args []string) int {
	name := lockfile.FileName
	if len(args) == 4 {
		name = args[3]
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(m.dir, p)
	}
	var sides [3][]byte
	for i, p := range args[:3] {
		data, err := os.ReadFile(abs(p))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(m.stderr, "kirofile merge-lock: %v\n", err)
			return exitError
		}
		sides[i] = data
	}
	return c.merge(m, name, sides, abs(args[1]), "ours", "theirs")
}

// fromIndex merges the three stages Git keeps of a conflicted lock.
func (c *mergeLockCmd) fromIndex(m *meta) int {
	var sides [3][]byte
	for i, stage := range []string{"1", "2", "3"} {
		cmd := exec.Command("git", "show", ":"+stage+":./"+lockfile.FileName)
		cmd.Dir = m.dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		switch {
		case err == nil:
			sides[i] = out
		case stage == "1":
			// No common ancestor: both branches created the lock.
		default:
			fmt.Fprintf(m.stderr, "kirofile merge-lock: %s is not in conflict in a merge here (git show :%s: %s)\n",
				lockfile.FileName, stage, strings.TrimSpace(stderr.String()))
			return exitError
		}
	}
	return c.merge(m, lockfile.FileName, sides, filepath.Join(m.dir, lockfile.FileName), "ours", "theirs")
}

func (c *mergeLockCmd) merge(m *meta, name string, sides [3][]byte, dest, oursLabel, theirsLabel string) int {
	res, err := lockmerge.Merge(sides[0], sides[1], sides[2])
	if err != nil {
		fmt.Fprintf(m.stderr, "kirofile merge-lock: %s cannot be merged record by record: %v. Keep one side (git checkout --ours %s, or --theirs), then run \"kirofile plan\".\n",
			name, err, name)
		return exitError
	}
	if err := fsutil.WriteFileAtomic(dest, res.Text(oursLabel, theirsLabel), 0o644); err != nil {
		fmt.Fprintf(m.stderr, "kirofile merge-lock: %v\n", err)
		return exitError
	}
	if len(res.Conflicts) == 0 {
		fmt.Fprintf(m.stderr, "kirofile merge-lock: merged %s record by record (%d from the other branch). Run \"kirofile plan\" to see what the merge needs.\n",
			name, res.FromTheirs)
		return exitOK
	}
	var names []string
	for _, cf := range res.Conflicts {
		names = append(names, cf.Kind+" "+cf.Name)
	}
	fmt.Fprintf(m.stderr, "kirofile merge-lock: %s: both branches changed %s. The rest is merged; in %s, keep one side of each conflict between its markers, "+
		"then run \"kirofile plan\" (a kept approval that no longer matches its document shows as awaiting approval) and \"git add %s\".\n",
		name, strings.Join(names, ", "), name, name)
	return exitError
}
