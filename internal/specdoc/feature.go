package specdoc

import (
	"maps"

	"github.com/hashicorp/hcl/v2"
)

// Document is one spec document of a feature.
type Document struct {
	// Kind is requirements, bugfix, design or tasks; documents of other
	// kinds have no rules of their own, but their file references are
	// checked.
	Kind string
	// Path is the document's path relative to the project directory; it
	// names the document in findings.
	Path string
	Src  []byte
}

// CheckFeature checks the documents of one feature together: the
// requirements and bugfix documents first, since the design and the tasks
// cite their ids, then the others; and, when dir (the project directory)
// is not empty, the #[[file:]] references of every document. Findings are
// returned document by document, in the order given.
func CheckFeature(dir string, docs []Document) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, c := range CheckFeatureDocs(dir, docs) {
		diags = append(diags, c.Diags...)
	}
	return diags
}

// Checked is what checking one document found, and the paths its file
// references looked up.
type Checked struct {
	Diags hcl.Diagnostics
	// Looked are the paths looked up for its #[[file:]] references, in
	// order, and what was found there: with the documents, all that the
	// findings depend on.
	Looked []Lookup
}

// Version is the version of the checks: a change to what they find for
// some input changes it, so that findings kept from an earlier version
// are not taken for today's.
const Version = 2

// CheckFeatureDocs is CheckFeature returning the findings of each
// document of docs, in the same order.
func CheckFeatureDocs(dir string, docs []Document) []Checked {
	out := make([]Checked, len(docs))
	var ids *Requirements
	for i, doc := range docs {
		var r *Requirements
		switch doc.Kind {
		case KindRequirements:
			r, out[i].Diags = CheckRequirements(doc.Path, doc.Src)
		case KindBugfix:
			r, out[i].Diags = CheckBugfix(doc.Path, doc.Src)
		default:
			continue
		}
		ids = mergeIDs(ids, r)
	}
	for i, doc := range docs {
		if doc.Kind != KindRequirements && doc.Kind != KindBugfix {
			out[i].Diags = Check(doc.Kind, doc.Path, doc.Src, ids)
		}
		if dir != "" {
			c := &out[i]
			_, errs := resolveFileRefs(dir, doc.Path, FileRefs(doc.Path, doc.Src), func(l Lookup) { c.Looked = append(c.Looked, l) })
			c.Diags = sortDiagnostics(append(c.Diags, FileRefDiagnostics(errs)...))
		}
	}
	return out
}

// CitesIDs reports whether the checks of a document of this kind read the
// ids of its feature's requirements and bugfix documents.
func CitesIDs(kind string) bool { return kind == KindDesign || kind == KindTasks }

// FeatureIDs returns the ids the design and tasks of a feature may cite:
// those of its requirements and bugfix documents together, or nil when it
// has neither (then citations are not looked up). They are unstructured
// only when every such document is.
func FeatureIDs(docs []Document) *Requirements {
	var ids *Requirements
	for _, doc := range docs {
		var r *Requirements
		switch doc.Kind {
		case KindRequirements:
			r, _ = CheckRequirements(doc.Path, doc.Src)
		case KindBugfix:
			r, _ = CheckBugfix(doc.Path, doc.Src)
		default:
			continue
		}
		ids = mergeIDs(ids, r)
	}
	return ids
}

// mergeIDs adds the ids of r to ids.
func mergeIDs(ids, r *Requirements) *Requirements {
	if ids == nil {
		ids = &Requirements{IDs: map[string]bool{}, Texts: map[string]string{}, Titles: map[string]string{}, Unstructured: true}
	}
	maps.Copy(ids.IDs, r.IDs)
	maps.Copy(ids.Texts, r.Texts)
	maps.Copy(ids.Titles, r.Titles)
	ids.Unstructured = ids.Unstructured && r.Unstructured
	return ids
}
