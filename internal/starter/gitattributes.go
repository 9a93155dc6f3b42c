package starter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// GitAttributes are the lines "kirofile init" keeps in the project's
// .gitattributes:
//
//   - the lock merges record by record, through "kirofile merge-lock" once
//     each clone sets the driver up (git config, see MergeDriverConfig);
//   - the lock and the spec documents are checked out with LF on every
//     platform. kirofile's hashes already count CRLF as LF, so this only
//     keeps the files as kirofile wrote them, and diffs quiet.
var GitAttributes = []string{
	"Kirofile.lock.hcl text eol=lf merge=kirofile-lock",
	".kiro/**/*.md text eol=lf",
}

const gitAttributesHeader = "# kirofile: the lock merges record by record (kirofile merge-lock); LF line endings for the lock and spec documents"

// MergeDriverConfig are the commands that tell Git about the merge
// driver, once per clone: Git never runs a command a repository names by
// itself.
var MergeDriverConfig = []string{
	`git config merge.kirofile-lock.name "kirofile lock merge"`,
	`git config merge.kirofile-lock.driver "kirofile merge-lock %O %A %B %P"`,
}

// EnsureGitAttributes adds the lines of GitAttributes that dir's
// .gitattributes lacks, creating the file if need be, and leaves every
// other line as it is. It returns what it did: "created", "updated" or ""
// (already there).
func EnsureGitAttributes(dir string) (string, error) {
	path := filepath.Join(dir, ".gitattributes")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading .gitattributes: %w", err)
	}
	have := map[string]bool{}
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		have[strings.Join(strings.Fields(line), " ")] = true
	}
	var missing []string
	for _, line := range GitAttributes {
		if !have[line] {
			missing = append(missing, line)
		}
	}
	if len(missing) == 0 {
		return "", nil
	}
	out := string(data)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if out != "" {
		out += "\n"
	}
	if !have[gitAttributesHeader] {
		out += gitAttributesHeader + "\n"
	}
	out += strings.Join(missing, "\n") + "\n"
	if err := fsutil.WriteFileAtomic(path, []byte(out), 0o644); err != nil {
		return "", fmt.Errorf("writing .gitattributes: %w", err)
	}
	if len(data) == 0 {
		return "created", nil
	}
	return "updated", nil
}
