package specdoc

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// section is a well-formed requirement section with the given heading and
// criteria lines; its first criterion is on the 7th line of the section.
func section(title string, criteria ...string) []string {
	return append([]string{
		title,
		"",
		"**User Story:** As a support agent, I want attempts recorded, so that I can answer customers.",
		"",
		"#### Acceptance Criteria",
		"",
	}, criteria...)
}

func TestCheckRequirementsGood(t *testing.T) {
	src := readTestdata(t, "good/requirements.md")
	reqs, diags := CheckRequirements("requirements.md", src)
	assertDiags(t, "requirements.md", src, diags, nil)
	want := []string{"1", "1.1", "1.2", "1.3", "1.4", "1.5", "2", "2.1", "2.2", "2.3", "3", "3.1", "3.2", "3.3"}
	if got := sortedIDs(reqs); !slices.Equal(got, want) {
		t.Errorf("IDs = %v, want %v", got, want)
	}
}

func sortedIDs(r *Requirements) []string {
	var ids []string
	for id := range r.IDs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	return ids
}

// TestCheckRequirementsCriteria checks the rules on acceptance criteria;
// every document is one requirement whose first criterion is on line 7.
func TestCheckRequirementsCriteria(t *testing.T) {
	tests := []struct {
		name     string
		criteria []string
		want     []string
	}{
		{"all EARS patterns", []string{
			"1. WHEN an email is accepted THEN the system SHALL record it.",
			"2. IF the relay fails THEN the system SHALL retry.",
			"3. WHILE the relay is down the system SHALL queue messages.",
			"4. WHERE email is disabled the system SHALL drop messages.",
			"5. THE system SHALL expose attempts.",
		}, nil},
		{"keywords in any case", []string{"1. when a then the system shall b", "2. The system Shall c"}, nil},
		{"emphasised keywords", []string{"1. **WHEN** a **THEN** the system **SHALL** b", "2. _IF_ x `THEN` the system *SHALL* y"}, nil},
		{"no EARS keyword", []string{"1. Users SHALL log in"},
			[]string{"E 7:4-7:9 Acceptance criterion is not in EARS form"}},
		{"emphasised non-keyword", []string{"1. **Should** x SHALL y"},
			[]string{"E 7:4-7:14 Acceptance criterion is not in EARS form"}},
		{"keyword must be a whole word", []string{"1. Whenever x the system SHALL y"},
			[]string{"E 7:4-7:12 Acceptance criterion is not in EARS form"}},
		{"no SHALL", []string{"1. WHEN a THEN the system records b"},
			[]string{"E 7:4-7:36 Acceptance criterion has no SHALL"}},
		{"SHALL must be a whole word", []string{"1. THE system SHALLOW x"},
			[]string{"E 7:4-7:24 Acceptance criterion has no SHALL"}},
		{"wrapped criterion", []string{"1. WHEN a THEN the system", "   SHALL b", "2. THE system SHALL c"}, nil},
		{"wrapped criterion without SHALL", []string{"1. WHEN a THEN the system", "   does b"},
			[]string{"E 7:4-8:10 Acceptance criterion has no SHALL"}},
		{"lazy continuation", []string{"1. WHEN a THEN the system", "SHALL b"}, nil},
		{"paragraph after a blank line is not joined", []string{"1. WHEN a THEN the system", "", "SHALL b"},
			[]string{"E 7:4-7:26 Acceptance criterion has no SHALL"}},
		{"nested bullets continue a criterion", []string{
			"1. WHEN a THEN the system SHALL:",
			"   - do b",
			"   - do c",
			"2. IF x THEN the system SHALL y",
		}, nil},
		{"bullet list", []string{"- WHEN a THEN the system SHALL b", "- THE system SHALL c", "* the thing"},
			[]string{
				"E 7:1-7:2 Acceptance criteria not numbered",
				"E 9:3-9:12 Acceptance criterion has no SHALL",
			}},
		{"numbering starts at 2", []string{"2. THE system SHALL b"},
			[]string{"E 7:1-7:2 Criteria numbering must start at 1"}},
		{"numbering gap", []string{"1. THE system SHALL a", "3. THE system SHALL b", "4. THE system SHALL c"},
			[]string{"E 8:1-8:2 Criteria numbering out of sequence"}},
		{"all ones", []string{"1. THE system SHALL a", "1. THE system SHALL b", "1. THE system SHALL c"},
			[]string{"E 8:1-8:2 Criteria numbering out of sequence", "E 9:1-9:2 Criteria numbering out of sequence"}},
		{"two-digit numbers", []string{
			"1. THE system SHALL a", "2. THE system SHALL a", "3. THE system SHALL a", "4. THE system SHALL a",
			"5. THE system SHALL a", "6. THE system SHALL a", "7. THE system SHALL a", "8. THE system SHALL a",
			"9. THE system SHALL a", "10. THE system SHALL a", "12. THE system", "    SHALL b",
		}, []string{"E 17:1-17:3 Criteria numbering out of sequence"}},
		{"parenthesis markers", []string{"1) WHEN a THEN the system SHALL b", "2) THE system SHALL c"}, nil},
		{"empty criterion", []string{"1.", "2. THE system SHALL c"},
			[]string{"E 7:1-7:3 Empty acceptance criterion"}},
		{"tab after the marker", []string{"1.\tWHEN x THEN y"},
			[]string{"E 7:4-7:17 Acceptance criterion has no SHALL"}},
		{"unicode first word", []string{"1. Ünïcödé ✓ SHALL x"},
			[]string{"E 7:4-7:11 Acceptance criterion is not in EARS form"}},
		{"unicode before the problem", []string{"1. WHEN ✓ is sent THEN the système records b"},
			[]string{"E 7:4-7:45 Acceptance criterion has no SHALL"}},
		{"code block ignored", []string{"1. THE system SHALL a", "", "```", "2. not a criterion", "```", "2. THE system SHALL b"}, nil},
		{"prose before the list", []string{"The system must:", "", "1. THE system SHALL a"}, nil},
		{"a later subsection ends the criteria", []string{"1. THE system SHALL a", "", "#### Notes", "", "- anything goes here"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := lines(section("### Requirement 1", tt.criteria...)...)
			_, diags := CheckRequirements("requirements.md", src)
			assertDiags(t, "requirements.md", src, diags, tt.want)

			// The same document with CRLF line endings gives the same findings.
			crlf := []byte(strings.ReplaceAll(string(src), "\n", "\r\n"))
			_, diags = CheckRequirements("requirements.md", crlf)
			assertDiags(t, "requirements.md", crlf, diags, tt.want)
		})
	}
}

// TestCheckRequirementsStructure checks the rules on requirement sections.
func TestCheckRequirementsStructure(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		want []string
		ids  []string // when set, the ids expected
	}{
		{"empty document", nil, []string{"E 1:1-1:1 No requirements"}, []string{}},
		{"no requirement section", lines("# Requirements Document", "", "## Introduction", "", "Requirement 1 is prose here."),
			[]string{"E 1:1-1:24 No requirements"}, []string{}},
		{"requirements in another format", lines("# Requirements Document", "", "## Introduction", "", "Prose.", "", "## Functional", "", "- Track usage"),
			[]string{"W 1:1-1:24 Requirements not in Kiro's format"}, []string{}},
		{"headings only", lines("# Requirements Document", "", "## Introduction"),
			[]string{"E 1:1-1:24 No requirements"}, []string{}},
		{"only code", lines("```", "### Requirement 1", "```"), []string{"E 1:1-1:1 No requirements"}, nil},
		{"missing user story", lines("### Requirement 1", "", "#### Acceptance Criteria", "", "1. THE system SHALL x"),
			[]string{"W 1:5-1:18 Missing user story"}, []string{"1", "1.1"}},
		{"missing acceptance criteria", lines("### Requirement 1: Title", "", "**User Story:** As a user, I want x, so that y."),
			[]string{"E 1:5-1:25 Missing acceptance criteria"}, []string{"1"}},
		{"acceptance criteria without a list", lines(section("### Requirement 1", "Nothing yet.")...),
			[]string{"E 5:1-5:25 No acceptance criteria"}, nil},
		{"nothing under acceptance criteria before the next requirement",
			lines(append(section("### Requirement 1"), section("### Requirement 2", "1. THE system SHALL x")...)...),
			[]string{"E 5:1-5:25 No acceptance criteria"}, []string{"1", "2", "2.1"}},
		{"duplicate number", lines(append(section("### Requirement 1", "1. THE system SHALL x", ""),
			section("### Requirement 1: Again", "1. THE system SHALL y")...)...),
			[]string{"E 9:17-9:18 Duplicate requirement number"}, []string{"1", "1.1"}},
		{"leading zeros are the same number", lines(append(section("### Requirement 1", "1. THE system SHALL x", ""),
			section("### Requirement 01", "1. THE system SHALL y")...)...),
			[]string{"E 9:17-9:19 Duplicate requirement number"}, nil},
		{"requirement number not whole", lines(section("### Requirement 1.2", "1. THE system SHALL x")...),
			[]string{"E 1:1-1:20 No requirements", "E 1:17-1:20 Invalid requirement number"}, []string{}},
		{"heading forms", lines(slices.Concat(
			section("## Requirement 1", "1. THE system SHALL a", ""),
			section("**Requirement 2: Bold line**", "1. THE system SHALL b", ""),
			section("Requirement 3: Plain line", "1. THE system SHALL c", ""),
			section("### Requirement 4 — Dash", "1. THE system SHALL d", ""),
			section("#### **Requirement 5**", "1. THE system SHALL e"),
		)...), nil, []string{"1", "1.1", "2", "2.1", "3", "3.1", "4", "4.1", "5", "5.1"}},
		{"acceptance criteria as a bold line", lines(
			"### Requirement 1", "", "**User Story:** As a user, I want x, so that y.", "",
			"**Acceptance Criteria:**", "", "1. THE system SHALL x"), nil, []string{"1", "1.1"}},
		{"acceptance criteria heading at the requirement's level", lines(
			"### Requirement 1", "", "**User Story:** As a user, I want x, so that y.", "",
			"### Acceptance Criteria", "", "1. THE system SHALL x"), nil, []string{"1", "1.1"}},
		{"a higher heading ends the requirement", lines(slices.Concat(
			section("### Requirement 1", "1. THE system SHALL a", ""),
			[]string{"## Glossary", "", "1. Relay: the SMTP server we hand mail to."},
		)...), nil, []string{"1", "1.1"}},
		{"code and comments are ignored", lines(slices.Concat(
			section("### Requirement 1", "1. THE system SHALL a", ""),
			[]string{"```markdown", "### Requirement 2", "1. not EARS", "```", "", "<!--", "### Requirement 3", "-->",
				"~~~~", "### Requirement 4", "~~~", "still code", "~~~~"},
		)...), nil, []string{"1", "1.1"}},
		{"unclosed fence runs to the end", lines(slices.Concat(
			section("### Requirement 1", "1. THE system SHALL a", ""),
			[]string{"```", "### Requirement 2"},
		)...), nil, []string{"1", "1.1"}},
		{"tabs and unicode in the heading", lines(section("###\tRequirement 1 — Émail ✓", "1. THE system SHALL x")...),
			nil, []string{"1", "1.1"}},
		{"a heading that does not start with Requirement is not one", lines(append(section("### Requirement 1", "1. THE system SHALL x", ""),
			section("### ✓ Requirement 1", "1. THE system SHALL y")...)...),
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, diags := CheckRequirements("req.md", tt.src)
			assertDiags(t, "req.md", tt.src, diags, tt.want)
			if reqs == nil || reqs.IDs == nil {
				t.Fatal("CheckRequirements returned no ids")
			}
			if tt.ids != nil {
				if got := sortedIDs(reqs); !slices.Equal(got, tt.ids) && !(len(got) == 0 && len(tt.ids) == 0) {
					t.Errorf("IDs = %v, want %v", got, tt.ids)
				}
			}
		})
	}
}
