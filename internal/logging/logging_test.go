package logging

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// env returns a getenv over a fixed map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// logAll writes one line at every level.
func logAll(l hclog.Logger) {
	l.Trace("trace line")
	l.Debug("debug line")
	l.Info("info line")
	l.Warn("warn line")
	l.Error("error line")
}

func TestNewLevels(t *testing.T) {
	all := []string{"trace line", "debug line", "info line", "warn line", "error line"}
	tests := []struct {
		level string
		// want is how many of all, from the end, are logged.
		want int
		// warning, when set, must be the whole of stderr besides log lines.
		warning string
	}{
		{level: "", want: 0},
		{level: "off", want: 0},
		{level: "trace", want: 5},
		{level: "debug", want: 4},
		{level: "DEBUG", want: 4},
		{level: " info ", want: 3},
		{level: "warn", want: 2},
		{level: "error", want: 1},
		{level: "verbose", want: 0, warning: `kirofile: warning: KIROFILE_LOG=verbose: "verbose" is not a log level; want one of trace, debug, info, warn, error, or off; logging stays off` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var stderr bytes.Buffer
			l, closeLog := newLogger(env(map[string]string{EnvLevel: tt.level}), nil, &stderr)
			logAll(l)
			if err := closeLog(); err != nil {
				t.Fatalf("close: %v", err)
			}
			out := stderr.String()
			if tt.warning != "" {
				if out != tt.warning {
					t.Fatalf("stderr = %q, want exactly the warning %q", out, tt.warning)
				}
				return
			}
			for i, line := range all {
				logged := strings.Contains(out, line)
				if want := i >= len(all)-tt.want; logged != want {
					t.Errorf("%q logged = %v, want %v; stderr:\n%s", line, logged, want, out)
				}
			}
			if tt.want > 0 && !strings.Contains(out, "kirofile: ") {
				t.Errorf("log lines lack the logger name; stderr:\n%s", out)
			}
		})
	}
}

func TestNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kirofile.log")
	if err := os.WriteFile(path, []byte("earlier run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	l, closeLog := newLogger(env(map[string]string{EnvLevel: "debug", EnvPath: path}), nil, &stderr)
	l.Debug("to the file", "n", 1)
	if err := closeLog(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing: the log goes to the file", stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	if !strings.HasPrefix(got, "earlier run\n") {
		t.Errorf("the log file was not appended to:\n%s", got)
	}
	if !strings.Contains(got, "[DEBUG] kirofile: to the file: n=1") {
		t.Errorf("the log file lacks the line:\n%s", got)
	}
}

func TestNewFileCreatedPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not Unix permissions on Windows")
	}
	path := filepath.Join(t.TempDir(), "new.log")
	l, closeLog := newLogger(env(map[string]string{EnvLevel: "info", EnvPath: path}), nil, &bytes.Buffer{})
	l.Info("hello")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("log file mode = %v, want no access for group and others", perm)
	}
}

func TestNewFileCannotOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "kirofile.log")
	var stderr bytes.Buffer
	l, closeLog := newLogger(env(map[string]string{EnvLevel: "info", EnvPath: path}), nil, &stderr)
	l.Info("still logged")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	out := stderr.String()
	if !strings.Contains(out, "KIROFILE_LOG_PATH: cannot open the log file") || !strings.Contains(out, "logging to stderr instead") {
		t.Errorf("no warning about the log file; stderr:\n%s", out)
	}
	if !strings.Contains(out, "still logged") {
		t.Errorf("the log did not fall back to stderr; stderr:\n%s", out)
	}
}

func TestPathWithoutLevelIsOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kirofile.log")
	l, closeLog := newLogger(env(map[string]string{EnvPath: path}), nil, &bytes.Buffer{})
	l.Error("nothing")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("KIROFILE_LOG_PATH alone created the log file (err %v); logging must stay off", err)
	}
}

func TestSecretsRedacted(t *testing.T) {
	environ := []string{
		"OPENAI_API_KEY=sk-test-1234567890",
		"GITHUB_TOKEN=ghp_abcdef",
		"KIRO_VAR_db_password=hunter2hunter2",
		"SHORT_KEY=abc", // too short to be a credential
		"HOME=/home/someone",
		"PATH=/usr/bin:/bin",
	}
	var stderr bytes.Buffer
	l, _ := newLogger(env(map[string]string{EnvLevel: "debug"}), environ, &stderr)
	// What go-plugin forwards from a plugin that prints its settings.
	l.Named("provider.openai").Debug("plugin stderr: using key sk-test-1234567890 and ghp_abcdef", "pw", "hunter2hunter2", "home", "/home/someone", "short", "abc")
	out := stderr.String()
	for _, secret := range []string{"sk-test-1234567890", "ghp_abcdef", "hunter2hunter2"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows the secret %q:\n%s", secret, out)
		}
	}
	if got := strings.Count(out, Redacted); got != 3 {
		t.Errorf("%d redactions, want 3:\n%s", got, out)
	}
	for _, plain := range []string{"/home/someone", "short=abc"} {
		if !strings.Contains(out, plain) {
			t.Errorf("the log lost the ordinary value %q:\n%s", plain, out)
		}
	}
}

func TestSecretEnvValues(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []string
	}{
		{name: "none", environ: []string{"HOME=/root", "LANG=C.UTF-8"}, want: nil},
		{name: "api key", environ: []string{"OPENAI_API_KEY=sk-123456"}, want: []string{"sk-123456"}},
		{name: "case-insensitive names", environ: []string{"kiro_var_token=abcdefgh"}, want: []string{"abcdefgh"}},
		{name: "short values kept", environ: []string{"API_KEY=12345"}, want: nil},
		{name: "duplicates once, longest first", environ: []string{"A_TOKEN=abcdef", "B_SECRET=abcdefghij", "C_TOKEN=abcdef"}, want: []string{"abcdefghij", "abcdef"}},
		{name: "no equals sign", environ: []string{"WEIRD_KEY"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SecretEnvValues(tt.environ)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("SecretEnvValues(%q) = %q, want %q", tt.environ, got, tt.want)
			}
		})
	}
}

func TestNewReadsProcessEnvironment(t *testing.T) {
	t.Setenv("KIROFILE_TEST_API_KEY", "sk-from-the-process")
	var stderr bytes.Buffer
	l, _ := New(env(map[string]string{EnvLevel: "info"}), &stderr)
	l.Info("key is sk-from-the-process")
	if out := stderr.String(); strings.Contains(out, "sk-from-the-process") || !strings.Contains(out, Redacted) {
		t.Errorf("New did not redact a secret of the process environment:\n%s", out)
	}
}

func TestAddSecrets(t *testing.T) {
	var out bytes.Buffer
	l, _ := newLogger(env(map[string]string{EnvLevel: "info"}), nil, &out)
	AddSecrets([]string{"learned-secret-42", ""})
	AddSecrets([]string{"learned-secret-42"})
	l.Info("config", "header", "Bearer learned-secret-42")
	if strings.Contains(out.String(), "learned-secret-42") || !strings.Contains(out.String(), Redacted) {
		t.Errorf("log = %q", out.String())
	}
	if got := RedactEnvSecrets("x learned-secret-42 y"); got != "x "+Redacted+" y" {
		t.Errorf("RedactEnvSecrets = %q", got)
	}
}
