package specdoc

import (
	"testing"
)

func TestCheckDesignGood(t *testing.T) {
	src := readTestdata(t, "good/design.md")
	assertDiags(t, "design.md", src, CheckDesign("design.md", src), nil)
}

func TestCheckDesign(t *testing.T) {
	// A design with none of the sections does not follow Kiro's template:
	// one finding says so, rather than one per section.
	all := []string{"W 1:1-1:9 Design has none of Kiro's sections"}
	tests := []struct {
		name string
		src  []byte
		want []string
	}{
		{"empty document", nil, []string{"E 1:1-1:1 Empty design document"}},
		{"blank document", []byte(" \r\n\t\n"), []string{"E 1:1-1:1 Empty design document"}},
		{"no sections", lines("# Design", "", "Prose only."), all},
		{"headings in code do not count", lines("# Design", "```", "## Overview", "## Architecture", "```"), all},
		{"any level, any case, longer titles", lines(
			"# Design", "#### overview", "# System ARCHITECTURE", "## Components", "### Data Model",
			"## Error handling and retries", "## **Testing Strategy**",
		), nil},
		{"Kiro's titles", lines(
			"# Design", "## Overview", "## Architecture", "## Components and Interfaces", "## Data Models",
			"## Error Handling", "## Testing Strategy",
		), nil},
		{"some missing", lines(
			"# Design", "## Overview", "## Architecture", "## Data Models", "## Rollout", "## Test data",
		), []string{
			"W 1:1-1:9 Missing design section: Components and Interfaces",
			"W 1:1-1:9 Missing design section: Error Handling",
			"W 1:1-1:9 Missing design section: Testing Strategy",
		}},
		{"words must be whole", lines(
			"# Design", "## Overviews", "## Architectures", "## Subcomponents", "## Data Modelling",
			"## Error-Handling", "## Testing-Strategy",
		), []string{
			"W 1:1-1:9 Missing design section: Overview",
			"W 1:1-1:9 Missing design section: Architecture",
			"W 1:1-1:9 Missing design section: Components and Interfaces",
			"W 1:1-1:9 Missing design section: Data Models",
		}},
		{"other names for a section", lines(
			"# Design", "## Overview", "## Architecture", "## Components", "## Data Mapping",
			"## Error Handling", "## Testing Implementation Strategy",
		), nil},
		{"testing under any name", lines(
			"# Design", "## Overview", "## Architecture", "## Components", "## Database",
			"## Error Handling", "## Testing Framework",
		), nil},
		{"quality assurance, in Japanese", lines(
			"# 設計", "## 概要", "## アーキテクチャ", "## コンポーネント", "## データモデル",
			"## エラー処理", "## 品質保証プロセス",
		), nil},
		{"empty headings", lines("#", "# ", "##\t#"), []string{"W 1:1-1:2 Design has none of Kiro's sections"}},
		{"findings point at the first line with text", []byte("\r\n  ✓ Design\r\n"), []string{"W 2:3-2:11 Design has none of Kiro's sections"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertDiags(t, "design.md", tt.src, CheckDesign("design.md", tt.src), tt.want)
		})
	}
}

// A section's phrase set finds a section in the headings exactly where
// containsPhrase, phrase by phrase, does.
func TestPhraseSet(t *testing.T) {
	titles := []string{
		"overview", "system architecture", "components and interfaces", "the data models", "data", "models data",
		"error handling", "handling errors", "testing strategy", "test", "アーキテクチャ概要", "数据模型设计", "데이터 모델",
		"vue d'ensemble", "vue", "modèle de données", "bug details", "root-cause analysis", "fix", "", "1. overview (draft)",
	}
	for _, sections := range [][]designSection{designSections, bugfixDesignSections} {
		sets := phraseSets(sections)
		for i, sec := range sections {
			for _, title := range titles {
				h := []heading{{text: title, words: words(title)}}
				want := false
				for _, p := range sec.phrases {
					want = want || containsPhrase(title, h[0].words, p)
				}
				if got := sets[i].in(h); got != want {
					t.Errorf("%s in %q: %v, want %v", sec.name, title, got, want)
				}
			}
		}
	}
}
