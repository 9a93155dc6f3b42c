package specdoc

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// designSection is a section a design document is expected to have.
type designSection struct {
	name string
	// phrases are word sequences (or, in scripts written without spaces,
	// substrings), any of which in a heading's title marks the section as
	// present: "## System Architecture" has Architecture, "## アーキテクチャ
	// 概要" too.
	phrases []string
	why     string
}

// designSections are the sections of Kiro's design documents, in their
// usual order. Each one answers a question that the tasks and the code
// generated from them depend on.
var designSections = []designSection{
	{"Overview", []string{"overview", "resumen", "visión general", "vision general", "descripción general", "aperçu", "vue d'ensemble",
		"visão geral", "überblick", "übersicht", "oversikt", "översikt", "概要", "概述", "概览", "总览", "개요"}, "what is being built and why"},
	{"Architecture", []string{"architecture", "arquitectura", "arquitetura", "architektur", "arkitektur", "architettura",
		"アーキテクチャ", "架构", "架構", "아키텍처"}, "how the parts fit together"},
	{"Components and Interfaces", []string{"components", "component", "componentes", "componente", "composants", "composant",
		"komponenten", "komponente", "komponenter", "componenti", "コンポーネント", "组件", "元件", "컴포넌트"},
		"what each part does and the interfaces between them"},
	{"Data Models", []string{"data model", "data models", "data structure", "data structures", "database schema", "data schema", "domain model",
		"data mapping", "data design", "database design", "database", "schema", "schemas", "entities", "entity model", "modelos de datos", "modelo de datos", "modelos de dados", "modelo de dados",
		"modèle de données", "modèles de données", "datenmodell", "datenmodelle", "datamodell", "datamodeller",
		"データモデル", "数据模型", "資料模型", "데이터 모델"}, "the data the feature stores and exchanges"},
	{"Error Handling", []string{"error handling", "manejo de errores", "gestión de errores", "tratamiento de errores", "tratamento de erros",
		"gestion des erreurs", "fehlerbehandlung", "feilhåndtering", "felhantering", "gestione degli errori",
		"エラーハンドリング", "エラー処理", "错误处理", "錯誤處理", "오류 처리", "에러 처리"}, "how failures are detected and reported"},
	// A section about testing is one, whatever follows the word ("Testing
	// Framework", "Testing Implementation Strategy"); so is one on quality
	// assurance.
	{"Testing Strategy", []string{"testing", "tests", "test strategy", "test plan", "test approach", "test cases",
		"quality assurance", "estrategia de testing", "estrategia de pruebas", "estrategia de test", "pruebas",
		"estratégia de testes", "testes", "stratégie de test", "stratégie de tests", "teststrategie", "teststrategi", "strategia di test",
		"テスト", "品質保証", "测试", "測試", "质量保证", "品質保證", "테스트"}, "how the feature is verified"},
}

// bugfixDesignSections are the sections of Kiro's bugfix design documents.
var bugfixDesignSections = []designSection{
	{"Overview", designSections[0].phrases, "what the defect is and how it is fixed"},
	{"Bug Details", []string{"bug details", "bug detail", "bug analysis", "bug condition", "defect analysis", "detalles del error",
		"análisis del error", "バグの詳細", "缺陷详情"}, "when the defect occurs"},
	{"Root Cause", []string{"root cause", "root causes", "causa raíz", "causa raiz", "cause racine", "根本原因"}, "why the defect occurs"},
	{"Fix Implementation", []string{"fix implementation", "fix", "implementation", "corrección", "solución", "修正", "修复"},
		"what changes, and where"},
	{"Testing Strategy", designSections[5].phrases, "how the fix and the behaviour that must not change are verified"},
}

// bugfixMarks in the title of a design, or in one of its headings, say it is
// a bugfix design.
var bugfixMarks = []string{"bugfix", "bug fix", "bug details", "bug condition", "root cause"}

// CheckDesign checks a design document: it must not be empty, and each
// expected section should have a heading (at any level, in any case), or
// a warning names the missing one. A design with none of them does not
// follow Kiro's template: one warning says so. A bugfix design (its title
// or headings say "Bugfix", "Bug Details", "Root Cause") is expected to
// have the sections of Kiro's bugfix design instead.
func CheckDesign(filename string, src []byte) hcl.Diagnostics {
	return CheckDesignCitations(filename, src, nil)
}

// CheckDesignCitations is CheckDesign that also checks the ids the design
// cites ("**Validates: Requirements 1.1, 2.3**", "_Requirements: 1.2_")
// against reqs, when reqs is known.
func CheckDesignCitations(filename string, src []byte, reqs *Requirements) hcl.Diagnostics {
	d := newDocument(filename, src)
	if len(bytes.TrimSpace(src)) == 0 {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty design document",
			Detail:   "The design document has no content. It should describe the Overview, Architecture, Components and Interfaces, Data Models, Error Handling and Testing Strategy of the feature.",
			Subject:  d.rng(0, 0),
			Extra:    RuleEmptyDesign,
		}}
	}
	var diags hcl.Diagnostics
	var titles []heading
	bugfix := false
	for _, n := range d.nodes {
		if n.quoted {
			continue
		}
		switch {
		case n.kind == nodeHeading && len(n.lines) > 0:
			t := strings.ToLower(joinTexts(n.lines).plain().trim().s)
			titles = append(titles, heading{text: t, words: words(t)})
			for _, m := range bugfixMarks {
				if strings.Contains(t, m) {
					bugfix = true
				}
			}
		case n.kind == nodePara:
			for _, l := range n.lines {
				for _, cit := range findCitations(l, 0) {
					if cit.kind == citeIDs {
						checkIDs(d, &diags, reqs, cit.ids)
					}
				}
			}
		}
	}
	sections, sets := designSections, designSets()
	if bugfix {
		sections, sets = bugfixDesignSections, bugfixDesignSets()
	}
	var missing []designSection
	for i, sec := range sections {
		if !sets[i].in(titles) {
			missing = append(missing, sec)
		}
	}
	switch {
	case len(missing) == len(sections):
		var names []string
		for _, sec := range sections {
			names = append(names, sec.name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Design has none of Kiro's sections",
			Detail:   "No heading of the document names a section of Kiro's design template (" + strings.Join(names, ", ") + "), in English or in the other languages kirofile reads, so its sections are not checked. Add headings such as \"## " + names[0] + "\" for the parts the design covers.",
			Subject:  d.startRange(),
			Extra:    RuleDesignFormat,
		})
	default:
		for _, sec := range missing {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Missing design section: " + sec.name,
				Detail:   "No heading names the " + sec.name + " section, which says " + sec.why + ". Add a heading such as \"## " + sec.name + "\".",
				Subject:  d.startRange(),
				Extra:    RuleDesignSection,
			})
		}
	}
	diags = append(diags, d.diags...)
	return sortDiagnostics(diags)
}

// heading is a heading's text, lower case, and its words, split once.
type heading struct {
	text  string
	words []string
}

// phraseSet is the phrases of a section, ready to be looked for in
// headings: a design's headings are compared with every phrase of every
// language of every section, in every design of a project.
type phraseSet struct {
	words map[string]bool // phrases of one word
	multi [][]string      // phrases of several words
	cjk   []string        // phrases in a script written without spaces
}

func newPhraseSet(phrases []string) *phraseSet {
	p := &phraseSet{words: map[string]bool{}}
	for _, ph := range phrases {
		r, _ := utf8.DecodeRuneInString(ph)
		ws := words(ph)
		switch {
		case isCJK(r):
			p.cjk = append(p.cjk, ph)
		case len(ws) == 1:
			p.words[ws[0]] = true
		case len(ws) > 1:
			p.multi = append(p.multi, ws)
		}
	}
	return p
}

func phraseSets(sections []designSection) []*phraseSet {
	out := make([]*phraseSet, len(sections))
	for i, sec := range sections {
		out[i] = newPhraseSet(sec.phrases)
	}
	return out
}

var (
	designSets       = sync.OnceValue(func() []*phraseSet { return phraseSets(designSections) })
	bugfixDesignSets = sync.OnceValue(func() []*phraseSet { return phraseSets(bugfixDesignSections) })
)

// in reports whether one of the titles contains one of the phrases, as
// containsPhrase finds them.
func (p *phraseSet) in(titles []heading) bool {
	for _, t := range titles {
		for _, w := range t.words {
			if p.words[w] {
				return true
			}
		}
		for _, ph := range p.cjk {
			if strings.Contains(t.text, ph) {
				return true
			}
		}
		for _, ph := range p.multi {
			for i := 0; i+len(ph) <= len(t.words); i++ {
				if slices.Equal(t.words[i:i+len(ph)], ph) {
					return true
				}
			}
		}
	}
	return false
}
