package lockfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Valid values to build broken locks around, so each case breaks one thing.
var (
	hA = "sha256:" + strings.Repeat("a", 64)
	hB = "sha256:" + strings.Repeat("b", 64)
	dA = strings.Repeat("a", 64)
)

// TestParseErrors covers every class of error with its exact position. The
// input's line 1 is "version = 1" unless the case is about the version.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		summary string // of the first error
		pos     string // "line:column" of its subject
		detail  string // substring of its detail
	}{
		// Syntax.
		{"unclosed block", "version = 1\nnode \"a\" {\n", "Unclosed configuration block", "2:10", "git checkout HEAD -- Kirofile.lock.hcl"},
		{"JSON is not accepted", `{"version": 1}`, "Argument or block definition required", "1:1", "fix line 1"},
		{"attribute redefined", "version = 1\nversion = 1\n", "Attribute redefined", "2:1", "already set"},
		{"invalid character", "version = 1\nnode \"a\" { status = 'x' }\n", "Invalid character", "2:21", ""},

		// Version.
		{"missing version", "# comment\n\nnode \"a\" {}\n", "Missing lock file version", "1:1", "version = 1"},
		{"newer version", "version = 2\n", "Lock file is from a newer kirofile", "1:11", "Upgrade kirofile"},
		{"version zero", "version = 0\n", "Invalid number", "1:11", "at least 1"},
		{"version string", "version = \"1\"\n", "Incorrect value type", "1:11", "whole number"},
		{"version fraction", "version = 1.5\n", "Invalid number", "1:11", "whole number"},
		{"version huge", "version = 1e10\n", "Invalid number", "1:11", "too large"},

		// Schema.
		{"unknown top-level argument", "version = 1\nserial = 3\n", "Unsupported argument", "2:1", `"serial"`},
		{"unknown block type", "version = 1\nresource \"a\" {}\n", "Unsupported block type", "2:1", `"plugin" and "node"`},
		{"unknown node argument", "version = 1\nnode \"a\" {\n  statu = \"failed\"\n}\n", "Unsupported argument", "3:3", `"status"`},
		{"attribute where block expected", "version = 1\nnode \"a\" {\n  usage = 1\n}\n", "Unsupported argument", "3:3", `"usage"`},
		{"block inside plugin", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = \"" + dA + "\"\n  x {}\n}\n", "Unsupported block type", "5:3", "no blocks"},
		{"node without label", "version = 1\nnode {}\n", "Wrong number of block labels", "2:1", "node address"},
		{"node with two labels", "version = 1\nnode \"a\" \"b\" {}\n", "Wrong number of block labels", "2:10", "exactly one"},
		{"label not UTF-8", "version = 1\nnode \xea00 {}\n", "Invalid block label", "2:6", "UTF-8"},
		{"string not UTF-8", "version = 1\nnode \"a\" {\n  error = \"\xff\"\n}\n", "Invalid character encoding", "3:12", "UTF-8"},
		{"empty node address", "version = 1\nnode \"\" {}\n", "Empty node address", "2:6", ""},
		{"empty plugin name", "version = 1\nplugin \"\" {\n  source = \"s\"\n  sha256 = \"" + dA + "\"\n}\n", "Empty plugin name", "2:8", ""},
		{"usage with label", "version = 1\nnode \"a\" {\n  usage \"x\" {}\n}\n", "Unexpected block label", "3:9", ""},
		{"duplicate node", "version = 1\nnode \"a\" {}\n\nnode \"a\" {}\n", "Duplicate node block", "4:6", "Kirofile.lock.hcl:2,1-9"},
		{"duplicate plugin", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = \"" + dA + "\"\n}\nplugin \"p\" {\n  source = \"s\"\n  sha256 = \"" + dA + "\"\n}\n", "Duplicate plugin block", "6:8", "Kirofile.lock.hcl:2,1-11"},
		{"duplicate approval", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = \"x\"\n    at = \"2026-01-01T00:00:00Z\"\n  }\n  approval {}\n}\n", "Duplicate approval block", "8:3", "Kirofile.lock.hcl:3,3-11"},
		{"missing plugin source", "version = 1\nplugin \"p\" {\n  sha256 = \"" + dA + "\"\n}\n", "Missing required argument", "2:1", `"source"`},
		{"missing approval sha256", "version = 1\nnode \"a\" {\n  approval {\n    by = \"x\"\n    at = \"2026-01-01T00:00:00Z\"\n  }\n}\n", "Missing required argument", "3:3", `"sha256"`},
		{"missing usage field", "version = 1\nnode \"a\" {\n  usage {\n    prompt_tokens = 1\n  }\n}\n", "Missing required argument", "3:3", `"completion_tokens"`},

		// Hashes.
		{"uppercase fingerprint", "version = 1\nnode \"a\" {\n  fingerprint = \"sha256:" + strings.Repeat("A", 64) + "\"\n}\n", "Invalid hash", "3:17", "lowercase"},
		{"short fingerprint", "version = 1\nnode \"a\" {\n  fingerprint = \"sha256:abc\"\n}\n", "Invalid hash", "3:17", `"sha256:abc"`},
		{"fingerprint without prefix", "version = 1\nnode \"a\" {\n  fingerprint = \"" + dA + "\"\n}\n", "Invalid hash", "3:17", ""},
		{"plugin platform key", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = {\n    Linux = \"" + dA + "\"\n  }\n}\n", "Invalid key", "5:5", "GOOS_GOARCH"},
		{"plugin platform digest", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = {\n    linux_amd64 = \"" + hA + "\"\n  }\n}\n", "Invalid hash", "5:19", "without a prefix"},
		{"plugin no platform", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = {}\n}\n", "Invalid plugin checksum", "4:12", "no platform"},
		{"approval hooks", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = \"x\"\n    at = \"2026-11-25T10:00:00Z\"\n    hooks = \"later\"\n  }\n}\n", "Invalid approval hooks", "7:13", `"pending" or "ran"`},
		{"approval check errors", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = \"x\"\n    at = \"2026-11-25T10:00:00Z\"\n    check_errors = -1\n  }\n}\n", "Invalid number", "7:20", "at least 0"},
		{"merge conflict", "version = 1\n<<<<<<< ours\nnode \"a\" {}\n=======\nnode \"a\" {}\n>>>>>>> theirs\n", "Unresolved merge conflict in the lock file", "2:1", "kirofile merge-lock"},
		{"plugin sha256 with prefix", "version = 1\nplugin \"p\" {\n  source = \"s\"\n  sha256 = \"" + hA + "\"\n}\n", "Invalid plugin checksum", "4:12", "without a prefix"},
		{"bad output hash", "version = 1\nnode \"a\" {\n  outputs = {\n    \"a.go\" = \"md5:00\"\n  }\n}\n", "Invalid hash", "4:14", `"a.go"`},
		{"bad approval hash", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"x\"\n    by = \"x\"\n    at = \"2026-01-01T00:00:00Z\"\n  }\n}\n", "Invalid hash", "4:14", "approval sha256"},

		// Values.
		{"bad status", "version = 1\nnode \"a\" {\n  status = \"done\"\n}\n", "Invalid node status", "3:12", `"generated" or "failed"`},
		{"negative attempts", "version = 1\nnode \"a\" {\n  attempts = -1\n}\n", "Invalid number", "3:14", "at least 0"},
		{"fractional attempts", "version = 1\nnode \"a\" {\n  attempts = 1.5\n}\n", "Invalid number", "3:14", "whole number"},
		{"attempts as string", "version = 1\nnode \"a\" {\n  attempts = \"1\"\n}\n", "Incorrect value type", "3:14", "whole number"},
		{"negative tokens", "version = 1\nnode \"a\" {\n  usage {\n    prompt_tokens = 1\n    completion_tokens = -5\n  }\n}\n", "Invalid number", "5:25", "at least 0"},
		{"approval time not RFC 3339", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = \"x\"\n    at = \"yesterday\"\n  }\n}\n", "Invalid approval time", "6:10", "RFC 3339"},
		{"approval time with offset", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = \"x\"\n    at = \"2026-01-01T01:00:00+01:00\"\n  }\n}\n", "Invalid approval time", "6:10", "UTC"},
		{"by is a number", "version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"" + hA + "\"\n    by = 42\n    at = \"2026-01-01T00:00:00Z\"\n  }\n}\n", "Incorrect value type", "5:10", "quoted string"},
		{"null value", "version = 1\nnode \"a\" {\n  error = null\n}\n", "Value must be a literal", "3:11", "null"},
		{"inputs is a list", "version = 1\nnode \"a\" {\n  inputs = [\"" + hA + "\"]\n}\n", "Incorrect value type", "3:12", "object"},
		{"map value is a number", "version = 1\nnode \"a\" {\n  inputs = {\n    config = 1\n  }\n}\n", "Incorrect value type", "4:14", "quoted string"},
		{"map key is a number", "version = 1\nnode \"a\" {\n  inputs = {\n    1 = \"" + hA + "\"\n  }\n}\n", "Incorrect key type", "4:5", "strings"},
		{"empty input name", "version = 1\nnode \"a\" {\n  inputs = {\n    \"\" = \"" + hA + "\"\n  }\n}\n", "Invalid key", "4:5", "is empty"},
		{"absolute output path", "version = 1\nnode \"a\" {\n  outputs = {\n    \"/etc/passwd\" = \"" + hA + "\"\n  }\n}\n", "Invalid key", "4:5", "absolute"},
		{"output path climbs out", "version = 1\nnode \"a\" {\n  outputs = {\n    \"../x.go\" = \"" + hA + "\"\n  }\n}\n", "Invalid key", "4:5", "outside the project"},
		{"output path not clean", "version = 1\nnode \"a\" {\n  outputs = {\n    \"a/./b.go\" = \"" + hA + "\"\n  }\n}\n", "Invalid key", "4:5", "clean"},
		{"duplicate key bare and quoted", "version = 1\nnode \"a\" {\n  inputs = {\n    config = \"" + hA + "\"\n    \"config\" = \"" + hB + "\"\n  }\n}\n", "Duplicate key", "5:5", "Kirofile.lock.hcl:4,5-11"},

		// Only literals.
		{"variable reference", "version = 1\nnode \"a\" {\n  status = var.status\n}\n", "Variables not allowed", "3:12", "fix line 3"},
		{"function call", "version = 1\nnode \"a\" {\n  fingerprint = sha256(\"x\")\n}\n", "Function calls not allowed", "3:17", "fix line 3"},
		{"arithmetic", "version = 1\nnode \"a\" {\n  attempts = 1 + 1\n}\n", "Value must be a literal", "3:14", "no expressions"},
		{"interpolation", "version = 1\nnode \"a\" {\n  status = \"${\"generated\"}\"\n}\n", "Value must be a literal", "3:12", ""},
		{"reference as map key", "version = 1\nnode \"a\" {\n  inputs = {\n    local.x = \"" + hA + "\"\n  }\n}\n", "Variables not allowed", "4:5", ""},
		{"reference as map value", "version = 1\nnode \"a\" {\n  outputs = {\n    \"a.go\" = local.h\n  }\n}\n", "Variables not allowed", "4:14", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, file, diags := Parse([]byte(tt.src), FileName)
			if !diags.HasErrors() {
				t.Fatalf("no error; lock = %s", dump(lock))
			}
			if lock != nil {
				t.Errorf("lock = %s, want nil when there are errors", dump(lock))
			}
			if file == nil {
				t.Error("file is nil; snippets need it")
			}
			first := diags[0]
			if first.Summary != tt.summary {
				t.Errorf("summary = %q, want %q\n(all: %s)", first.Summary, tt.summary, diags.Error())
			}
			if got := subjectPos(first); got != tt.pos {
				t.Errorf("position = %s, want %s (%s)", got, tt.pos, first.Error())
			}
			if !strings.Contains(first.Detail, tt.detail) {
				t.Errorf("detail %q does not contain %q", first.Detail, tt.detail)
			}
			checkDiagnostics(t, diags)
		})
	}
}

func subjectPos(d *hcl.Diagnostic) string {
	if d.Subject == nil {
		return "<none>"
	}
	return fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
}

// checkDiagnostics asserts the promises every diagnostic keeps: a range in
// the lock file, and a detail that says how to recover.
func checkDiagnostics(t *testing.T, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename != FileName || d.Subject.Start.Line < 1 {
			t.Errorf("diagnostic %q has no subject range in the lock file: %v", d.Summary, d.Subject)
			continue
		}
		if d.Severity != hcl.DiagError {
			continue
		}
		want := fmt.Sprintf("fix line %d.", d.Subject.Start.Line)
		switch d.Summary {
		case "Lock file is from a newer kirofile":
			want = "Upgrade kirofile"
		case "Unresolved merge conflict in the lock file":
			want = "kirofile merge-lock"
		}
		if !strings.Contains(d.Detail, want) {
			t.Errorf("diagnostic %q: detail %q lacks %q", d.Summary, d.Detail, want)
		}
	}
}

// TestParseReportsEveryError checks that one pass reports all problems, in
// file order, so the user fixes them in one go.
func TestParseReportsEveryError(t *testing.T) {
	src := "version = 1\n" +
		"node \"a\" {\n" +
		"  status   = \"done\"\n" +
		"  attempts = -1\n" +
		"  bogus    = 1\n" +
		"}\n" +
		"node \"b\" {\n" +
		"  fingerprint = \"x\"\n" +
		"}\n"
	_, _, diags := Parse([]byte(src), FileName)
	var got []string
	for _, d := range diags {
		got = append(got, subjectPos(d))
	}
	// The unknown argument is reported first: the schema is checked before
	// the values are.
	want := []string{"5:3", "3:14", "4:14", "8:17"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("positions = %v, want %v\n%s", got, want, diags.Error())
	}
	checkDiagnostics(t, diags)
}

// TestParseAccepts covers valid spellings other than the canonical one: the
// reader is strict about meaning, not layout.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(l *Lock) string
	}{
		{"comments and blank lines", "# c\n\n// d\nversion = 1 /* e */\n", func(l *Lock) string {
			if len(l.Nodes)+len(l.Plugins) != 0 {
				return "not empty"
			}
			return ""
		}},
		{"quoted and bare keys", "version = 1\nnode \"a\" {\n  inputs = { \"upstream.x\" = \"" + hA + "\", config = \"" + hB + "\" }\n}\n", func(l *Lock) string {
			in := l.Node("a").Inputs
			if in["upstream.x"] != hA || in["config"] != hB {
				return fmt.Sprint(in)
			}
			return ""
		}},
		{"keyword keys", "version = 1\nnode \"a\" {\n  inputs = {\n    true = \"" + hA + "\"\n    null = \"" + hB + "\"\n  }\n}\n", func(l *Lock) string {
			in := l.Node("a").Inputs
			if in["true"] != hA || in["null"] != hB {
				return fmt.Sprint(in)
			}
			return ""
		}},
		{"escaped template characters", "version = 1\nnode \"a$${b}\" {\n  error = \"$${x} %%{y}\"\n}\n", func(l *Lock) string {
			if n := l.Node("a${b}"); n == nil || n.Error != "${x} %{y}" {
				return dump(l)
			}
			return ""
		}},
		{"heredoc error", "version = 1\nnode \"a\" {\n  error = <<EOT\nline\nEOT\n}\n", func(l *Lock) string {
			if l.Node("a").Error != "line\n" {
				return fmt.Sprintf("%q", l.Node("a").Error)
			}
			return ""
		}},
		{"empty node allocates maps", "version = 1\nnode \"a\" {}\n", func(l *Lock) string {
			n := l.Node("a")
			if n.Inputs == nil || n.Outputs == nil || n.Address != "a" {
				return fmt.Sprintf("%+v", n)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _, diags := Parse([]byte(tt.src), FileName)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if msg := tt.check(l); msg != "" {
				t.Error(msg)
			}
		})
	}
}
