package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/lang"
)

var fmtCommand = &commandSpec{
	name:     "fmt",
	synopsis: "Rewrite Kirofiles in canonical format",
	args:     "[PATH...]",
	help: `
Rewrites Kirofile, *.kiro.hcl and *.kirovars files in the canonical HCL
format. PATH is a file or a directory (default: the working directory);
"-" formats standard input to standard output. The names of the files that
changed are printed on stdout.

A file with a syntax error is reported and left untouched; the other files
are still formatted. Symbolic links are not followed inside directories.

Exits 0 on success, 1 on any error, and with -check 3 when some file is
not formatted (errors take precedence).`,
	new: func() command { return &fmtCmd{list: true} },
}

type fmtCmd struct {
	check     bool
	diff      bool
	recursive bool
	list      bool
}

func (c *fmtCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.check, "check", false, "Write nothing; exit 3 if some file is not formatted.")
	fs.BoolVar(&c.diff, "diff", false, "Print the changes as a unified diff.")
	fs.BoolVar(&c.recursive, "recursive", false, "Also format subdirectories, except hidden ones and node_modules.")
	fs.BoolVar(&c.list, "list", true, "Print the names of the files whose formatting changed.")
}

func (c *fmtCmd) run(m *meta, args []string) int {
	for _, a := range args {
		if a == "-" && len(args) > 1 {
			return m.usageErrorf("\"-\" (standard input) cannot be combined with other paths")
		}
	}
	f := &formatter{cmd: c, m: m, view: newFmtView(m)}
	switch {
	case len(args) == 1 && args[0] == "-":
		f.stdin()
	case len(args) == 0:
		f.path(".")
	default:
		for _, a := range args {
			f.path(a)
		}
	}
	switch {
	case f.failed:
		return exitError
	case c.check && f.changed:
		return exitNeedsFormat
	}
	return exitOK
}

// formatter holds the state of one fmt run across its paths.
type formatter struct {
	cmd  *fmtCmd
	m    *meta
	view fmtView
	// failed is set by any error; changed when some file was not formatted.
	failed, changed bool
}

// path formats the file or directory arg, given relative to the working
// directory. Names are printed as arg joined with the path found under it.
func (f *formatter) path(arg string) {
	abs := arg
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(f.m.dir, arg)
	}
	// A link named on the command line is formatted where it points (and
	// stays a link); links met inside directories are skipped below.
	abs, err := filepath.EvalSymlinks(abs)
	if err != nil {
		f.fail(arg, err)
		return
	}
	fi, err := os.Stat(abs)
	if err != nil {
		f.fail(arg, err)
		return
	}
	if !fi.IsDir() {
		if !lang.IsNativeSyntaxFile(filepath.Base(arg)) {
			f.fail(arg, errors.New("only Kirofile, *.kiro.hcl and *.kirovars files can be formatted"))
			return
		}
		f.file(abs, filepath.Clean(arg))
		return
	}

	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			f.fail(filepath.Join(arg, rel(abs, p)), err)
			return nil
		}
		if d.IsDir() {
			if p != abs && (!f.cmd.recursive || skipDir(d.Name())) {
				return filepath.SkipDir
			}
			return nil
		}
		// Only regular files: a link may point out of the tree, and
		// writing over it would replace the link with a file.
		if d.Type().IsRegular() && lang.IsNativeSyntaxFile(d.Name()) {
			f.file(p, filepath.Join(arg, rel(abs, p)))
		}
		return nil
	}
	// WalkDir reads each directory in lexical order, so the output order
	// is stable.
	_ = filepath.WalkDir(abs, walk)
}

// skipDir reports whether fmt -recursive leaves a directory out: version
// control, kirofile's own state, dependencies and every hidden directory.
func skipDir(name string) bool {
	return name == "node_modules" || strings.HasPrefix(name, ".")
}

func rel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return r
}

// file formats the file at abs, named name in messages.
func (f *formatter) file(abs, name string) {
	src, err := os.ReadFile(abs)
	if err != nil {
		f.fail(name, err)
		return
	}
	out, ok := f.format(src, name)
	if !ok || bytes.Equal(src, out) {
		return
	}
	f.changed = true
	if f.cmd.list {
		f.view.Changed(name)
	}
	if f.cmd.diff {
		f.view.Diff(name, src, out)
	}
	if f.cmd.check {
		return
	}
	if err := fsutil.WriteFileAtomic(abs, out, 0o644); err != nil {
		f.fail(name, err)
	}
}

// stdin formats standard input to standard output; with -check or -diff
// it prints only the diff, if asked.
func (f *formatter) stdin() {
	const name = "<stdin>"
	src, err := io.ReadAll(f.m.stdin)
	if err != nil {
		f.fail(name, err)
		return
	}
	out, ok := f.format(src, name)
	if !ok {
		return
	}
	f.changed = !bytes.Equal(src, out)
	switch {
	case f.cmd.diff:
		f.view.Diff(name, src, out)
	case !f.cmd.check:
		f.view.Formatted(out)
	}
}

// format returns src formatted; a syntax error is reported with its
// snippet and ok is false.
func (f *formatter) format(src []byte, name string) (out []byte, ok bool) {
	out, file, diags := formatSource(src, name)
	if diags.HasErrors() {
		f.view.Diagnostics(map[string]*hcl.File{name: file}, diags)
		f.failed = true
		return nil, false
	}
	return out, true
}

// fail reports an error about the file or directory name and marks the run
// as failed; the other paths are still processed.
func (f *formatter) fail(name string, err error) {
	// Errors from os name the absolute path; the name the user gave is
	// already in the summary.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	f.view.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Cannot format %s", name),
		Detail:   capitalize(err.Error()) + ".",
	}})
	f.failed = true
}

// formatSource parses src as HCL native syntax and returns it in canonical
// format. On a syntax error it returns the diagnostics and the parsed file
// (for their snippets) and no output.
func formatSource(src []byte, filename string) ([]byte, *hcl.File, hcl.Diagnostics) {
	// hclwrite formats whatever tokens it gets, even invalid ones; parsing
	// first makes sure a broken file is reported rather than mangled.
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, file, diags
	}
	// Formatting formatted output must change nothing, or fmt -check
	// would fail right after fmt; TestFormatProperties and FuzzFormat
	// hold hclwrite to that.
	out := hclwrite.Format(src)
	return out, file, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
