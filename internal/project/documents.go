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
// form and numbering of requirements, the sections of designs, and that
// tasks cite requirement ids that exist in their feature's requirements.
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
		// Requirements first: the tasks of the feature cite their ids.
		var reqs *specdoc.Requirements
		for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
			s := f.Specs[label]
			if s.Kind != lang.KindRequirements {
				continue
			}
			src, ok := read(s)
			if !ok {
				continue
			}
			r, d := specdoc.CheckRequirements(s.Path, src)
			diags = append(diags, d...)
			if reqs == nil {
				reqs = r
			} else {
				for id := range r.IDs {
					reqs.IDs[id] = true
				}
			}
		}
		for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
			s := f.Specs[label]
			if s.Kind == lang.KindRequirements {
				continue
			}
			if src, ok := read(s); ok {
				diags = append(diags, specdoc.Check(s.Kind, s.Path, src, reqs)...)
			}
		}
	}
	return files, diags
}
