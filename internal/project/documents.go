package project

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

// CheckDocuments checks every spec document that exists on disk: the EARS
// form and numbering of requirements, the clauses of bug analyses, the
// sections of designs, that designs and tasks cite ids that exist in their
// feature's requirements or bug analysis, and that #[[file:]] references
// name files of the project.
// Documents not generated yet are skipped. The returned files hold the
// documents, so that diagnostics can show snippets of them.
func CheckDocuments(cfg *lang.Config) (map[string]*hcl.File, hcl.Diagnostics) {
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	read := func(s *lang.Spec) ([]byte, bool) {
		src, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(s.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read a spec document",
				Detail:   s.Addr.String() + ": " + err.Error() + ".",
			})
			return nil, false
		}
		files[s.Path] = &hcl.File{Bytes: src}
		return src, true
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Features)) {
		f := cfg.Features[name]
		// A feature's documents are checked together: the design and the
		// tasks cite the ids of its requirements or bug analysis, and
		// every document's #[[file:]] references are resolved.
		var docs []specdoc.Document
		for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
			s := f.Specs[label]
			if src, ok := read(s); ok {
				docs = append(docs, specdoc.Document{Kind: s.Kind, Path: s.Path, Src: src})
			}
		}
		diags = append(diags, specdoc.CheckFeature(cfg.Dir, docs)...)
	}
	return files, diags
}
