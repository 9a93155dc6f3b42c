package specdoc

import (
	"strings"

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
	{"Data Models", []string{"data model", "data models", "data structure", "data structures", "database schema", "data schema", "domain model", "modelos de datos", "modelo de datos", "modelos de dados", "modelo de dados",
		"modèle de données", "modèles de données", "datenmodell", "datenmodelle", "datamodell", "datamodeller",
		"データモデル", "数据模型", "資料模型", "데이터 모델"}, "the data the feature stores and exchanges"},
	{"Error Handling", []string{"error handling", "manejo de errores", "gestión de errores", "tratamiento de errores", "tratamento de erros",
		"gestion des erreurs", "fehlerbehandlung", "feilhåndtering", "felhantering", "gestione degli errori",
		"エラーハンドリング", "エラー処理", "错误处理", "錯誤處理", "오류 처리", "에러 처리"}, "how failures are detected and reported"},
	{"Testing Strategy", []string{"testing strategy", "test strategy", "estrategia de testing", "estrategia de pruebas", "estrategia de test",
		"estratégia de testes", "stratégie de test", "stratégie de tests", "teststrategie", "teststrategi", "strategia di test",
		"テスト戦略", "测试策略", "測試策略", "테스트 전략"}, "how the feature is verified"},
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
	if blank(string(src)) {
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
	sections := designSections
	if bugfix {
		sections = bugfixDesignSections
	}
	var missing []designSection
	for _, sec := range sections {
		if !hasSection(titles, sec.phrases) {
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

// hasSection reports whether one of the titles contains one of the phrases.
func hasSection(titles []heading, phrases []string) bool {
	for _, t := range titles {
		for _, p := range phrases {
			if containsPhrase(t.text, t.words, p) {
				return true
			}
		}
	}
	return false
}
