package specdoc

import (
	"slices"
	"strings"
	"testing"
)

// TestRequirementsAsKiroWritesThem holds one case per way Kiro (and the
// people who edit its documents) write requirements, each a fixture of its
// own that reproduces the pattern. ids, when set, are the ids the document
// defines.
func TestRequirementsAsKiroWritesThem(t *testing.T) {
	story := "**User Story:** As a user, I want x, so that y."
	tests := []struct {
		name string
		src  []byte
		want []string
		ids  []string
	}{
		// Criteria.
		{"FOR ALL and FOR EACH criteria", lines(section("### Requirement 1",
			"1. FOR ALL valid records, parsing then printing SHALL give back the record",
			"2. FOR EACH page in the study, the system SHALL create a project",
			"3. For any input, THE parser SHALL not panic",
		)...), nil, nil},
		{"a comma before THE", lines(section("### Requirement 1",
			"1. WHEN a user signs in, THE Session_Store SHALL create a session",
			"2. IF the store is down, THEN THE system SHALL reply 503",
		)...), nil, nil},
		{"status marks before the keyword", lines(section("### Requirement 1",
			"1. ✅ WHEN a user signs in THE system SHALL create a session",
			"2. ⚠️ THE system SHALL log the attempt",
			"3. ✅ **SATISFIED** - THE system SHALL expose the state",
			"4. [x] THE system SHALL keep the log",
		)...), nil, nil},
		{"a status mark does not excuse a missing SHALL", lines(section("### Requirement 1",
			"1. ✅ THE system uses composition",
		)...), []string{"E 7:4-7:33 Acceptance criterion has no SHALL"}, nil},
		{"MAY is not SHALL", lines(section("### Requirement 1",
			"1. THE gear MAY refactor shared code",
		)...), []string{"E 7:4-7:37 Acceptance criterion has no SHALL"}, nil},
		{"ALL and EACH open a ubiquitous criterion", lines(section("### Requirement 1",
			"1. ALL error messages SHALL say how to recover",
			"2. EACH page SHALL have a title",
		)...), nil, nil},
		{"criteria numbered after their requirement", lines(section("### Requirement 1",
			"1.1. THE framework SHALL provide generators",
			"1.2. THE framework SHALL provide helpers",
			"1.3 WHEN a test fails THE framework SHALL print the seed",
		)...), nil, []string{"1", "1.1", "1.2", "1.3"}},
		{"criteria numbered after another requirement", lines(section("### Requirement 2",
			"1.1. THE framework SHALL provide generators",
			"2.3. THE framework SHALL provide helpers",
		)...), []string{
			"E 7:1-7:4 Criterion number does not match its requirement",
			"E 8:1-8:4 Criteria numbering out of sequence",
		}, nil},
		{"a bullet whose text is numbered", lines(section("### Requirement 1",
			"- 1.1 WHEN a user signs in THE system SHALL create a session",
			"- 1.2 THE system SHALL log it",
		)...), nil, []string{"1", "1.1", "1.2"}},
		{"a criterion in English without a keyword", lines(section("### Requirement 1",
			"1. Concurrent reloads share one session; this is an accepted assumption",
			"2. ImageIdentification includes only image fields",
		)...), []string{
			"E 7:4-7:14 Acceptance criterion is not in EARS form",
			"E 8:4-8:23 Acceptance criterion is not in EARS form",
		}, nil},
		{"a gap in the numbering", lines(section("### Requirement 1",
			"1. THE system SHALL a", "2. THE system SHALL b", "4. THE system SHALL d",
		)...), []string{"E 9:1-9:2 Criteria numbering out of sequence"}, nil},
		{"acceptance criteria with a remark", lines(
			"### Requirement 1", "", story, "", "#### Acceptance Criteria (All Met)", "", "1. THE system SHALL a",
		), nil, []string{"1", "1.1"}},
		// Requirement numbers.
		{"a letter after the number", lines(slices.Concat(
			section("### Requirement 1", "1. THE system SHALL a", ""),
			section("### Requirement 1a: Inserted later", "1. THE system SHALL b", "2. THE system SHALL c", ""),
			section("### Requirement 1b", "1. THE system SHALL d"),
		)...), nil, []string{"1", "1.1", "1a", "1a.1", "1a.2", "1b", "1b.1"}},
		{"out of scope needs no criteria", lines(
			"### Requirement 1: PatientID replacement (Out of Scope - Future Stage)", "",
			"**Status:** out of scope for this gear.",
		), nil, []string{"1"}},
		{"a duplicate number is still found", lines(slices.Concat(
			section("### Requisito 5: Datos", "1. EL sistema DEBERÁ guardar los datos", ""),
			section("### Requisito 5: Navegación", "1. EL sistema DEBERÁ navegar"),
		)...), []string{"E 9:15-9:16 Duplicate requirement number"}, nil},
		// Other languages.
		{"Spanish headings, labels and EARS", lines(
			"# Documento de Requisitos", "", "## Requisitos", "",
			"### Requisito 1: Precarga", "",
			"**Historia de Usuario:** Como usuario, quiero datos sin conexión, para usar la app en el parking.", "",
			"#### Criterios de Aceptación", "",
			"1. CUANDO el usuario inicia sesión, LA aplicación DEBERÁ precargar sus datos",
			"2. SI la precarga falla, ENTONCES EL sistema DEBERÁ reintentar",
			"3. TODOS los mensajes de error DEBERÁN incluir una sugerencia",
			"4. WHEN el usuario abre la app, THE Sistema SHALL mostrar la reserva",
			"5. EL sistema mostrará un aviso",
		), []string{"E 15:4-15:32 Acceptance criterion has no SHALL"}, []string{"1", "1.1", "1.2", "1.3", "1.4", "1.5"}},
		{"a Kiro user story label in English over Spanish text", lines(
			"### Requisito 1", "", "**User Story:** Como usuario, quiero x.", "",
			"#### Criterios de Aceptación", "", "1. CUANDO x, EL sistema DEBERÁ y",
		), nil, []string{"1", "1.1"}},
		{"Japanese with Kiro's English keywords", lines(
			"### 要件 1: スロットの初期化", "",
			"**ユーザーストーリー:** 管理者として、スロットを初期化したい", "",
			"#### 受入基準", "",
			"1. THE Repo Pool Manager SHALL リポジトリURLとスロット数を指定してプールを作成する",
			"2. WHEN プールが作成される時、THE Repo Pool Manager SHALL 各スロットを作成する",
		), nil, []string{"1", "1.1", "1.2"}},
		{"criteria without keywords in Japanese: one finding for the document", lines(slices.Concat(
			section("### Requirement 1", "1. タスクが作成されたとき、システムは一意のIDを割り当てること", "2. 親タスクが指定されたとき、システムは関連付けること", ""),
			section("### Requirement 2", "1. タスクが完了したとき、システムは状態を更新すること"),
		)...), []string{"W 7:4-7:34 EARS form not checked"}, nil},
		{"Chinese headings", lines(
			"### 需求 1: 搜索", "", "**用户故事:** 作为用户，我希望搜索商品", "", "#### 验收标准", "",
			"1. WHEN 用户输入关键词, THE 系统 SHALL 返回结果",
		), nil, []string{"1", "1.1"}},
		// Documents.
		{"a document not in Kiro's format is one finding", lines(
			"# Cost Tracker - Requirements", "", "## Functional Requirements", "",
			"### 1.1 Usage tracking", "", "- Track every call", "", "### 1.2 Budgets", "", "- Alert at 80%",
		), []string{"W 1:1-1:30 Requirements not in Kiro's format"}, []string{}},
		{"quotations and indented code are not criteria", lines(section("### Requirement 1",
			"1. THE system SHALL a",
			"",
			"> 2. not a criterion",
			"",
			"    3. not a criterion either",
		)...), nil, []string{"1", "1.1"}},
		{"front matter is not a heading", lines(
			"---", "title: Requirements", "---",
			"### Requirement 1", "", story, "", "#### Acceptance Criteria", "", "1. THE system SHALL a",
		), nil, []string{"1", "1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, diags := CheckRequirements("requirements.md", tt.src)
			assertDiags(t, "requirements.md", tt.src, diags, tt.want)
			if tt.ids != nil {
				got := sortedIDs(reqs)
				slices.Sort(got)
				want := slices.Clone(tt.ids)
				slices.Sort(want)
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("IDs = %v, want %v", got, tt.ids)
				}
			}
			crlf := []byte(strings.ReplaceAll(string(tt.src), "\n", "\r\n"))
			_, diags = CheckRequirements("requirements.md", crlf)
			assertDiags(t, "requirements.md", crlf, diags, tt.want)
		})
	}
}
