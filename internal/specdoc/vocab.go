package specdoc

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The words of Kiro's templates, in the languages Kiro writes them in. Kiro
// translates headings and labels when asked to write in another language
// ("### Requisito 1", "#### Criterios de Aceptación", "#### 受入基準"), and
// users translate them by hand, so every label below is matched in any of
// its forms. Matching ignores case and surrounding emphasis.

// requirementWords open the title of a requirement section; a number
// follows them ("Requirement 1", "Requisito 2", "要件 3").
var requirementWords = []string{
	"requirement", "requisito", "requerimiento", "exigence", "exigência", "anforderung",
	"要件", "需求", "要求", "요구사항",
}

// criteriaTitles name the acceptance criteria of a requirement.
var criteriaTitles = []string{
	"acceptance criteria",
	"criterios de aceptación", "criterios de aceptacion", "critérios de aceitação", "criterios de aceptación y validación",
	"critères d'acceptation", "critères d’acceptation", "akzeptanzkriterien", "criteri di accettazione",
	"受入基準", "受け入れ基準", "受入条件", "受け入れ条件", "验收标准", "验收条件", "接受标准", "인수 기준", "수용 기준",
}

// storyLabels introduce a requirement's user story.
var storyLabels = []string{
	"user story", "historia de usuario", "historia de usuaria", "historia del usuario", "história de usuário",
	"récit utilisateur", "benutzergeschichte", "storia utente", "ユーザーストーリー", "用户故事", "使用者故事", "사용자 스토리",
}

// outOfScopeMarks in a requirement's title say that it is kept for the
// record only, so it needs no acceptance criteria.
var outOfScopeMarks = []string{
	"out of scope", "out-of-scope", "not in scope", "deferred", "fuera de alcance", "fuera del alcance",
	"hors périmètre", "hors du périmètre", "対象外", "范围外", "不在范围",
}

// earsLanguage is the EARS vocabulary of one language: the words a
// criterion starts with and the words that say what the system shall do.
type earsLanguage struct {
	name     string
	keywords []string // single words
	forAll   []string // "FOR" words: FOR ALL, PARA TODO...
	quantors []string // the words after them
	shall    []string
}

// earsLanguages are the languages whose EARS wording kirofile reads. English
// comes first: its keywords are the ones Kiro writes, even in documents in
// another language ("WHEN el usuario..., THE Sistema SHALL ..."). Articles
// of one letter (Portuguese "A", "O", Italian "I") are left out: they would
// take English prose for EARS.
var earsLanguages = []earsLanguage{
	{"English", []string{"WHEN", "IF", "WHILE", "WHERE", "THE", "ALL", "EACH", "EVERY"}, []string{"FOR"}, []string{"ALL", "EACH", "ANY", "EVERY"}, []string{"SHALL"}},
	{"Spanish", []string{"CUANDO", "SI", "MIENTRAS", "DONDE", "EL", "LA", "LOS", "LAS", "TODOS", "TODAS", "CADA"}, []string{"PARA"}, []string{"TODO", "TODA", "TODOS", "TODAS", "CADA", "CUALQUIER"},
		[]string{"DEBERÁ", "DEBERÁN", "DEBE", "DEBEN", "DEBERA", "DEBERAN"}},
	{"Portuguese", []string{"QUANDO", "SE", "ENQUANTO", "ONDE", "OS", "AS", "TODOS", "TODAS", "CADA"}, []string{"PARA"}, []string{"TODO", "TODA", "TODOS", "TODAS", "CADA", "QUALQUER"},
		[]string{"DEVE", "DEVEM", "DEVERÁ", "DEVERÃO"}},
	{"French", []string{"QUAND", "LORSQUE", "SI", "TANT", "OÙ", "LE", "LA", "LES", "TOUS", "TOUTES", "CHAQUE"}, []string{"POUR"}, []string{"TOUT", "TOUTE", "TOUS", "TOUTES", "CHAQUE"},
		[]string{"DOIT", "DOIVENT", "DEVRA", "DEVRONT"}},
	{"German", []string{"WENN", "FALLS", "SOLANGE", "WO", "DER", "DIE", "DAS", "ALLE", "JEDE", "JEDER", "JEDES"}, []string{"FÜR"}, []string{"ALLE", "JEDE", "JEDEN", "JEDES"},
		[]string{"MUSS", "MÜSSEN", "SOLL", "SOLLEN"}},
}

// englishWords are common English words: a criterion with one of them is
// English prose, whose missing EARS keyword is worth a finding. Words that
// are as common in other languages ("a", "in") are left out.
var englishWords = []string{
	"the", "an", "and", "or", "of", "to", "on", "for", "with", "is", "are", "be", "by",
	"shall", "should", "must", "will", "can", "may", "when", "if", "then", "that", "this", "it", "not",
}

// otherWords are common words of the other languages whose EARS keywords
// are read: a criterion with one of them and no English word is not
// English.
var otherWords = []string{
	"el", "la", "los", "las", "de", "del", "que", "y", "un", "una", "para", "por", "con", "se", "al", "lo", "es",
	"o", "os", "as", "do", "da", "dos", "das", "um", "uma", "não",
	"le", "les", "des", "du", "et", "est", "une", "pour", "avec",
	"der", "die", "das", "und", "ist", "ein", "eine", "mit", "für", "nicht",
}

// isEnglish reports whether a criterion reads as English: it has a common
// English word, or it is written in ASCII letters only without a common
// word of another language ("ImageIdentification includes only image
// fields").
func isEnglish(s string) bool {
	if anyWord(s, englishWords) {
		return true
	}
	for _, r := range s {
		if r >= 0x80 && unicode.IsLetter(r) {
			return false
		}
	}
	return !anyWord(s, otherWords)
}

// allWords say that a task implements every requirement
// ("_Requirements: All_", "Todos", "すべて").
var allWords = []string{
	"all", "every", "todos", "todas", "todo", "tous", "toutes", "tout", "alle", "tutti", "tutte",
	"すべて", "全て", "全部", "所有", "全体", "전체", "모든", "모두",
}

// noneWords say that a task implements no requirement on purpose
// ("_Requirements: N/A_").
var noneWords = []string{"n/a", "na", "none", "ninguno", "ninguna", "aucun", "aucune", "keine", "なし", "无", "無", "不适用", "해당 없음"}

// placeholderWords stand for ids still to be written.
var placeholderWords = []string{"tbd", "tba", "todo", "xxx", "?", "...", "…", "pending", "pendiente"}

// citationLabels introduce a list of cited requirement ids.
var citationLabels = []string{"requirements", "requirement", "requisitos", "requisito", "requerimientos", "exigences", "anforderungen", "要件", "需求", "要求"}

// validatesLabels introduce the ids a property or test validates
// ("**Validates: Requirements 1.1, 2.3**").
var validatesLabels = []string{"validates", "valida", "validan", "valide", "validiert", "検証", "验证"}

// checkpointWords open the title of a checkpoint task, which stops to run
// the tests and cites nothing.
var checkpointWords = []string{"checkpoint", "check point", "punto de control", "point de contrôle", "ponto de controle", "チェックポイント", "检查点", "체크포인트"}

// foldPrefix returns the length in bytes of the prefix of s that equals p
// when case is ignored, or -1 when s does not start with p.
func foldPrefix(s, p string) int {
	i := 0
	for _, pr := range p {
		if i >= len(s) {
			return -1
		}
		sr, n := utf8.DecodeRuneInString(s[i:])
		if sr != pr && !strings.EqualFold(string(sr), string(pr)) {
			return -1
		}
		i += n
	}
	return i
}

// prefixFold reports whether s starts with prefix, ignoring case, and
// the length of the prefix in s. A prefix that ends in a letter or digit
// must end a word in s, so that "Requirements" does not start with
// "Requirement" and "Overviews" does not start with "Overview"; scripts
// written without spaces have no such boundary.
func prefixFold(s, prefix string) (int, bool) {
	n := foldPrefix(s, prefix)
	if n < 0 {
		return 0, false
	}
	if n == len(s) || prefix == "" {
		return n, true
	}
	last, _ := utf8.DecodeLastRuneInString(prefix)
	next, _ := utf8.DecodeRuneInString(s[n:])
	return n, !isWordRune(last) || !isWordRune(next) || isCJK(last) || isCJK(next)
}

// matchPrefix returns the first of words that s starts with (see
// hasPrefixFold), and its length in s.
func matchPrefix(s string, words []string) (string, int, bool) {
	for _, w := range words {
		if n, ok := prefixFold(s, w); ok {
			return w, n, true
		}
	}
	return "", 0, false
}

// isCJK reports whether r is a Chinese, Japanese or Korean character,
// which are written without spaces between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || r == 'ー'
}

// containsPhrase reports whether the lower-case words of a title contain
// the phrase: as consecutive whole words, or, for a phrase in a script
// written without spaces, as a substring of the title.
func containsPhrase(title string, titleWords []string, phrase string) bool {
	r, _ := utf8.DecodeRuneInString(phrase)
	if isCJK(r) {
		return strings.Contains(title, phrase)
	}
	p := phraseWords(phrase)
	if len(p) == 0 {
		return false
	}
	for i := 0; i+len(p) <= len(titleWords); i++ {
		match := true
		for j := range p {
			if titleWords[i+j] != p[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// anyWord reports whether s contains one of ws as a whole word, ignoring
// case.
func anyWord(s string, ws []string) bool {
	for _, w := range words(s) {
		for _, x := range ws {
			if w == x {
				return true
			}
		}
	}
	return false
}

// skipMarks returns the offset of the first letter or digit of s after
// leading white space, status marks and emoji ("✅ WHEN ...", "⚠️ THE
// ...") and a checkbox ("[x] WHEN ..."): writers mark the state of a
// criterion or a task in front of its text.
func skipMarks(s string) int {
	i := 0
	for i < len(s) {
		if strings.HasPrefix(s[i:], "[x]") || strings.HasPrefix(s[i:], "[X]") || strings.HasPrefix(s[i:], "[ ]") {
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || unicode.In(r, unicode.So, unicode.Sk, unicode.Sm, unicode.Cf, unicode.Me, unicode.Mn) ||
			r == utf8.RuneError && n == 1 {
			i += n
			continue
		}
		break
	}
	return i
}

// phraseCache holds the words of the vocabulary's phrases, split once: a
// document's headings are compared with every phrase of every language.
var phraseCache sync.Map // string -> []string

// phraseWords returns words(phrase), split once per phrase.
func phraseWords(phrase string) []string {
	if w, ok := phraseCache.Load(phrase); ok {
		return w.([]string)
	}
	w := words(phrase)
	phraseCache.Store(phrase, w)
	return w
}
