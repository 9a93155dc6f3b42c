// Package logging sets up kirofile's diagnostic log, which is off unless
// KIROFILE_LOG names a level.
//
// The log is for people debugging kirofile or a plugin: it is plain text,
// goes to stderr (or to the file named by KIROFILE_LOG_PATH), and carries
// go-plugin's own messages, such as plugin starts and exits and whatever
// plugins write to their stderr. Because plugin output is forwarded
// verbatim, every line is passed through a filter that blanks the values of
// secret-looking environment variables (API keys, tokens, passwords), so a
// log that is pasted into a bug report does not leak them.
package logging

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/kirofile/kirofile/internal/secret"
)

// Environment variables read by New.
const (
	// EnvLevel selects the level: trace, debug, info, warn or error.
	// Empty or "off" disables logging.
	EnvLevel = "KIROFILE_LOG"
	// EnvPath names a file the log is appended to instead of stderr.
	EnvPath = "KIROFILE_LOG_PATH"
)

// Redacted replaces every secret value in the log.
const Redacted = secret.Redacted

// levels are the accepted KIROFILE_LOG values, in increasing severity.
var levels = []struct {
	name  string
	level hclog.Level
}{
	{"trace", hclog.Trace},
	{"debug", hclog.Debug},
	{"info", hclog.Info},
	{"warn", hclog.Warn},
	{"error", hclog.Error},
}

// ParseLevel returns the level named by s (case-insensitive, surrounding
// space ignored), hclog.Off for "" and "off", and an error otherwise.
func ParseLevel(s string) (hclog.Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "off" {
		return hclog.Off, nil
	}
	names := make([]string, len(levels))
	for i, l := range levels {
		if l.name == s {
			return l.level, nil
		}
		names[i] = l.name
	}
	return hclog.NoLevel, fmt.Errorf("%q is not a log level; want one of %s, or off", s, strings.Join(names, ", "))
}

// New returns the logger that KIROFILE_LOG and KIROFILE_LOG_PATH ask for,
// read through getenv, and a function that closes the log file (a no-op
// when logging goes to stderr or is off). Problems with the settings are
// reported once on stderr as a warning and never stop kirofile: an invalid
// level leaves logging off; a log file that cannot be opened sends the log
// to stderr instead.
//
// Values of secret-looking environment variables (see SecretEnvValues) are
// replaced by [redacted] in everything logged.
func New(getenv func(string) string, stderr io.Writer) (hclog.Logger, func() error) {
	return newLogger(getenv, os.Environ(), stderr)
}

// newLogger is New with the environment to take secrets from passed in,
// for tests.
func newLogger(getenv func(string) string, environ []string, stderr io.Writer) (hclog.Logger, func() error) {
	noClose := func() error { return nil }
	raw := getenv(EnvLevel)
	level, err := ParseLevel(raw)
	if err != nil {
		fmt.Fprintf(stderr, "kirofile: warning: %s=%s: %v; logging stays off\n", EnvLevel, raw, err)
		return hclog.NewNullLogger(), noClose
	}
	if level == hclog.Off {
		return hclog.NewNullLogger(), noClose
	}

	out, closeFn := stderr, noClose
	if path := getenv(EnvPath); path != "" {
		// Appended, so that several runs (and the plugins they start)
		// can share one file; 0600 because a log may hold prompts and
		// paths that are nobody else's business.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "kirofile: warning: %s: cannot open the log file: %v; logging to stderr instead\n", EnvPath, err)
		} else {
			out, closeFn = f, f.Close
		}
	}

	logger := hclog.New(&hclog.LoggerOptions{
		Name:   "kirofile",
		Level:  level,
		Output: newRedactor(out, SecretEnvValues(environ)),
		// Colour escapes would end up in log files and pasted reports.
		Color: hclog.ColorOff,
	})
	return logger, closeFn
}

// SecretEnvValues returns the values of the variables of environ
// ("NAME=VALUE" entries, as os.Environ returns) whose names suggest a
// credential: OPENAI_API_KEY, GITHUB_TOKEN, KIRO_VAR_db_password and the
// like (see secret.EnvValues). Longest first, so that a secret containing
// another is blanked whole.
func SecretEnvValues(environ []string) []string { return secret.EnvValues(environ) }

// learned are the secrets the run learned after its logger was made: the
// sensitive values of the configuration (AddSecrets). Every redactor
// blanks them too.
var learned struct {
	sync.RWMutex
	values [][]byte
}

// AddSecrets makes every log blank these values from now on: apply adds
// the secrets of the configuration it loaded (secret.ForConfig), which the
// environment alone does not reveal.
func AddSecrets(values []string) {
	learned.Lock()
	defer learned.Unlock()
	for _, v := range values {
		if v != "" && !slices.ContainsFunc(learned.values, func(b []byte) bool { return string(b) == v }) {
			learned.values = append(learned.values, []byte(v))
		}
	}
}

// redactor blanks secrets in what is written through it. hclog writes each
// entry with a single Write, so a secret is never split across calls.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets [][]byte
}

func newRedactor(w io.Writer, secrets []string) io.Writer {
	r := &redactor{w: w}
	for _, s := range secrets {
		r.secrets = append(r.secrets, []byte(s))
	}
	return r
}

// Write writes p with every secret replaced, and reports len(p) written
// on success so that callers do not see a short write.
func (r *redactor) Write(p []byte) (int, error) {
	out := p
	learned.RLock()
	for _, list := range [][][]byte{r.secrets, learned.values} {
		for _, s := range list {
			if bytes.Contains(out, s) {
				out = bytes.ReplaceAll(out, s, []byte(Redacted))
			}
		}
	}
	learned.RUnlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RedactEnvSecrets blanks, in text shown to a user, the values of the
// environment variables that hold credentials (see SecretEnvValues): a
// plugin's own output, quoted in an error, may echo one.
func RedactEnvSecrets(text string) string {
	for _, v := range SecretEnvValues(os.Environ()) {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	learned.RLock()
	defer learned.RUnlock()
	for _, v := range learned.values {
		text = strings.ReplaceAll(text, string(v), Redacted)
	}
	return text
}
