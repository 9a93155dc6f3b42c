package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/reply"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// specAttempts is how often a spec is asked for: once, and once more with
// the findings of the document checks or the output of its failing
// feedback hooks.
const specAttempts = estimate.SpecAttempts

// generateSpec asks for a spec document, checks it, writes it atomically,
// runs the spec.generated hooks, records it, and runs the spec.approved
// hooks of a spec approved automatically.
//
// A document still failing its checks after the second attempt is written
// all the same: a person reviews it before anything uses it, and validate
// shows what is wrong with it. Only a spec with approval = "auto" has no
// such person, so it fails instead of being approved as it is.
func (r *run) generateSpec(ctx context.Context, s *lang.Spec, ch *plan.Change) (providers.Usage, error) {
	var usage providers.Usage
	parts, err := r.prompt(s)
	if err != nil {
		return usage, err
	}
	var hash string
	attempts := 0
	var failing error // why the document written last cannot stand
	// left is the document as the last attempt's hooks left it; read again
	// only when a hook ran, which may have rewritten it.
	left := func(outcomes []hook.Outcome) map[string]string {
		return r.hooksLeft(outcomes, map[string]bool{s.Path: true}, map[string]string{s.Path: hash})
	}
	var outcomes []hook.Outcome
	for attempt := 1; attempt <= specAttempts; attempt++ {
		attempts = attempt
		resp, err := r.call(ctx, s, s.Provider, parts, attempt)
		if err != nil {
			r.recordFailure(ctx, ch, attempts, usage, r.specOutputs(s, hash), err)
			return usage, err
		}
		addUsage(&usage, resp.Usage)
		doc := cleanDocument(resp.Text)
		if strings.TrimSpace(doc) == "" {
			failing = errors.New("the model replied with an empty document")
			parts.Feedback = append(parts.Feedback, "Your reply was empty. Reply with the whole document.")
			continue
		}
		findings := r.checkDocument(s, doc)
		if findings.HasErrors() && attempt < specAttempts {
			parts.Feedback = append(parts.Feedback, "The document has these problems:\n"+findingsText(findings)+
				"\nReply with the whole corrected document.")
			continue
		}
		if err := r.journal(ch.Address, map[string]string{s.Path: digest.Bytes([]byte(doc))}); err != nil {
			r.recordFailure(ctx, ch, attempts, usage, r.specOutputs(s, hash), err)
			return usage, err
		}
		if hash, err = r.writeSpec(s, doc); err != nil {
			r.recordFailure(ctx, ch, attempts, usage, nil, err)
			return usage, err
		}
		failing = nil
		if findings.HasErrors() && s.Approval == lang.ApprovalAuto {
			failing = fmt.Errorf("the document still fails its checks (see kirofile validate) after %d attempts, so it is not approved automatically:\n%s",
				attempt, findingsText(findings))
		}
		outcomes = r.runHooks(ctx, s, lang.EventSpecGenerated, []string{s.Path})
		_ = r.journal(ch.Address, left(outcomes))
		feedback, err := r.judgeHooks(ctx, outcomes)
		if err != nil {
			r.recordFailure(ctx, ch, attempts, usage, r.specOutputs(s, hash), err)
			return usage, err
		}
		if len(feedback) == 0 {
			break
		}
		failing = &stillFailing{attempts: attempt, last: summary(strings.Join(feedback, "\n"))}
		parts.Feedback = append(parts.Feedback, strings.Join(feedback, "\n\n")+"\n\nThe document you wrote is now:\n\n"+
			fenced(r.readSpec(s))+"\n\nFix the problem. Reply with the whole corrected document.")
	}
	if failing != nil {
		r.recordFailure(ctx, ch, attempts, usage, r.specOutputs(s, hash), failing)
		return usage, failing
	}
	// Hooks such as formatters may have rewritten the document: what is
	// recorded, and approved, is what is on disk now (a tasks document
	// with its checkboxes cleared, as plan hashes it).
	outputs := left(outcomes)
	if s.Kind == lang.KindTasks && outputs[s.Path] != "" {
		r.mu.Lock()
		outputs[s.Path] = r.pl.DocHash(s)
		r.mu.Unlock()
	}
	hash = outputs[s.Path]
	auto := s.Approval == lang.ApprovalAuto
	hooks := auto && len(hook.Select(r.cfg, s, lang.EventSpecApproved, []string{s.Path})) > 0
	r.mu.Lock()
	plan.Record(r.lock, ch, plan.Generation{Outputs: outputs, Attempts: attempts, Usage: r.lockUsage(ch.Address, usage)})
	if auto {
		rec := r.lock.Node(ch.Address)
		rec.Approval = &lockfile.Approval{SHA256: hash, Fingerprint: ch.Fingerprint, By: "auto", At: r.opts.Now().UTC().Truncate(time.Second)}
		if hooks {
			rec.Approval.Hooks = lockfile.HooksPending
		}
		r.lock.SetNode(rec)
	}
	r.recordedLocked(ch.Address)
	r.settle(ch.Address)
	r.mu.Unlock()
	if hooks {
		// The approval is recorded; its hooks are what follows from it.
		// One failing fails the node, and stays due for the next apply.
		if err := r.judgeApprovedHooks(ctx, r.runHooks(ctx, s, lang.EventSpecApproved, []string{s.Path})); err != nil {
			return usage, err
		}
		r.mu.Lock()
		plan.ApprovalHooksRan(r.lock, ch.Address)
		r.recordedLocked(ch.Address)
		r.mu.Unlock()
	}
	return usage, nil
}

// writeSpec writes a spec document atomically and returns its hash. It is
// written relative to the project root through no symbolic link (see
// fsutil.OpenDirIn), so that nothing made on the way since the project
// loaded can send it elsewhere.
func (r *run) writeSpec(s *lang.Spec, doc string) (string, error) {
	data := []byte(doc)
	root, err := os.OpenRoot(r.cfg.Dir)
	if err == nil {
		err = fsutil.WriteFileInSyncLater(root, s.Path, data, 0o644, r.syncer)
		root.Close()
		r.syncSoon()
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", s.Path, err)
	}
	hash := digest.Bytes(data)
	r.mu.Lock()
	r.pl.Written(s.Path, hash)
	r.mu.Unlock()
	return hash, nil
}

// specOutputs is what a spec node's outputs are for the lock: its document
// as it is on disk now, or nothing when no attempt wrote it.
func (r *run) specOutputs(s *lang.Spec, written string) map[string]string {
	if written == "" {
		return nil
	}
	return r.currentHashes(map[string]bool{s.Path: true})
}

// readSpec returns a spec document as it is on disk, for feedback.
func (r *run) readSpec(s *lang.Spec) string {
	data, _ := os.ReadFile(filepath.Join(r.cfg.Dir, filepath.FromSlash(s.Path)))
	return string(data)
}

// judgeHooks reads the outcomes of a node's hooks: the error that fails the
// node (a hook that could not run, a failing hook without feedback, an
// interrupted run), or else the failures to send back to the model, none
// when every hook passed.
func (r *run) judgeHooks(ctx context.Context, outcomes []hook.Outcome) (feedback []string, err error) {
	for _, o := range outcomes {
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("interrupted while hook %q ran: %w", o.Hook, ctx.Err())
		case o.Err != nil:
			return nil, fmt.Errorf("hook %q could not run: %w", o.Hook, o.Err)
		case o.Passed:
		case !o.Feedback:
			return nil, fmt.Errorf("hook %q failed: %s", o.Hook, summary(o.Output))
		default:
			// Secrets a hook printed do not go to the endpoint either.
			feedback = append(feedback, fmt.Sprintf("The hook %q failed:\n%s", o.Hook, r.redactor.Redact(capText(o.Output, 16<<10))))
		}
	}
	return feedback, nil
}

// cleanDocument undoes what models commonly wrap a document in: a single
// fence around the whole reply.
func cleanDocument(text string) string {
	t := strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if strings.HasPrefix(t, "```") && strings.HasSuffix(t, "```") && strings.Count(t, "\n```") == 1 {
		if nl := strings.Index(t, "\n"); nl > 0 {
			t = strings.TrimSpace(t[nl+1 : len(t)-3])
		}
	}
	if t == "" {
		return ""
	}
	return t + "\n"
}

// checkDocument runs the spec document checks on a generated document,
// against the feature's other documents as they are on disk: a design or a
// task list cites the ids of the requirements or the bug analysis. A
// generated document must follow Kiro's template, so the findings that say
// it does not, warnings for a document a person wrote, are errors here.
func (r *run) checkDocument(s *lang.Spec, doc string) hcl.Diagnostics {
	var upstream []specdoc.Document
	f := r.cfg.Features[s.Addr.Feature]
	for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
		up := f.Specs[label]
		if up == s || (up.Kind != lang.KindRequirements && up.Kind != lang.KindBugfix) {
			continue
		}
		if src, err := os.ReadFile(filepath.Join(r.cfg.Dir, filepath.FromSlash(up.Path))); err == nil {
			upstream = append(upstream, specdoc.Document{Kind: up.Kind, Path: up.Path, Src: src})
		}
	}
	docs := append(upstream, specdoc.Document{Kind: s.Kind, Path: s.Path, Src: []byte(doc)})
	var findings hcl.Diagnostics
	for _, d := range specdoc.CheckFeature("", docs) {
		if d.Subject != nil && d.Subject.Filename != s.Path {
			continue // the upstream documents' own findings are theirs
		}
		if rule, ok := hcl.DiagnosticExtra[specdoc.Rule](d); ok && rule.Format() && d.Severity == hcl.DiagWarning {
			e := *d
			e.Severity = hcl.DiagError
			d = &e
		}
		findings = append(findings, d)
	}
	return findings
}

func findingsText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		fmt.Fprintf(&b, "- line %d: %s. %s\n", line, d.Summary, firstLine(d.Detail, 400))
	}
	return b.String()
}

// generateCodegen asks for code, writes the files of a reply that passes
// the safety checks, runs the codegen hooks, and feeds failures back to the
// model up to max_attempts.
func (r *run) generateCodegen(ctx context.Context, c *lang.Codegen, ch *plan.Change) (providers.Usage, error) {
	var usage providers.Usage
	parts, err := r.prompt(c)
	if err != nil {
		return usage, err
	}
	written := map[string]bool{}
	wrote := map[string]string{} // hash of each file as this node last wrote it
	var lastFailure string
	for attempt := 1; attempt <= c.MaxAttempts; attempt++ {
		resp, err := r.call(ctx, c, c.Provider, parts, attempt)
		if err != nil {
			r.recordFailure(ctx, ch, attempt, usage, r.currentHashes(written), err)
			return usage, err
		}
		addUsage(&usage, resp.Usage)
		change, err := r.planReply(ctx, c, resp.Text)
		var sec *reply.SecurityError
		if errors.As(err, &sec) {
			// A reply that reaches outside the node's outputs is refused
			// whole, at once: it is not a mistake to correct by feedback.
			err = fmt.Errorf("reply refused, nothing written: %w", err)
			r.recordFailure(ctx, ch, attempt, usage, r.currentHashes(written), err)
			return usage, err
		}
		if ctx.Err() != nil {
			// Interrupted while the reply was being matched.
			return usage, fmt.Errorf("interrupted while reading the reply: %w", ctx.Err())
		}
		if err != nil {
			lastFailure = err.Error()
			parts.Feedback = append(parts.Feedback, "Your reply could not be used: "+err.Error())
			continue
		}
		planned := map[string]string{}
		for p, data := range change.Files {
			planned[p] = digest.Bytes(data)
		}
		if err := r.journal(ch.Address, planned); err != nil {
			r.recordFailure(ctx, ch, attempt, usage, r.currentHashes(written), err)
			return usage, err
		}
		hashes, err := change.WriteSyncLater(r.cfg.Dir, r.syncer)
		r.syncSoon()
		var fe *reply.FormatError
		switch {
		case errors.As(err, &sec):
			err = fmt.Errorf("reply refused, nothing written: %w", err)
			r.recordFailure(ctx, ch, attempt, usage, r.currentHashes(written), err)
			return usage, err
		case errors.As(err, &fe):
			// A name the file system refuses: the model may pick another.
			lastFailure = err.Error()
			parts.Feedback = append(parts.Feedback, "Your reply could not be written, nothing of it was: "+err.Error())
			continue
		case err != nil:
			err = fmt.Errorf("writing the reply's files: %w", err)
			r.recordFailure(ctx, ch, attempt, usage, r.currentHashes(written), err)
			return usage, err
		}
		r.mu.Lock()
		for p, h := range hashes {
			written[p] = true
			wrote[p] = h
			r.pl.Written(p, h)
		}
		r.mu.Unlock()
		files := slices.Sorted(maps.Keys(written))
		outcomes := r.runHooks(ctx, c, lang.EventCodegenCompleted, files)
		outputs := r.hooksLeft(outcomes, written, wrote)
		_ = r.journal(ch.Address, outputs)
		feedback, err := r.judgeHooks(ctx, outcomes)
		if err != nil {
			r.recordFailure(ctx, ch, attempt, usage, outputs, err)
			return usage, err
		}
		if len(feedback) == 0 {
			r.mu.Lock()
			plan.Record(r.lock, ch, plan.Generation{Outputs: outputs, Attempts: attempt, Usage: r.lockUsage(ch.Address, usage)})
			r.recordedLocked(ch.Address)
			r.settle(ch.Address)
			r.mu.Unlock()
			return usage, nil
		}
		lastFailure = strings.Join(feedback, "\n")
		parts.Feedback = append(parts.Feedback, strings.Join(feedback, "\n\n")+"\n\n"+r.filesForFeedback(files)+
			"Fix the problem. Reply with the files to change, whole or as SEARCH/REPLACE blocks.")
	}
	err = &stillFailing{attempts: c.MaxAttempts, last: summary(lastFailure)}
	r.recordFailure(ctx, ch, c.MaxAttempts, usage, r.currentHashes(written), err)
	return usage, err
}

// planReply parses a reply and checks it against the project. Besides
// reply's own rules, no reply may write a spec document or a steering
// file: those are what a person reviewed or wrote, and even an outputs
// glob as broad as "**" does not hand them to the model.
func (r *run) planReply(ctx context.Context, c *lang.Codegen, text string) (*reply.Change, error) {
	edits, err := reply.Parse(text)
	if err != nil {
		return nil, err
	}
	protected, folded := r.protected()
	return reply.Plan(ctx, r.cfg.Dir, reply.Scope{Outputs: c.Outputs, Protected: protected, Folded: folded}, edits)
}

// protected is what no reply may write (protectedPaths), and its folded
// index, built once per run, so that checking a reply costs the same in any
// project.
func (r *run) protected() (map[string]string, map[string]string) {
	r.protectedOnce.Do(func() {
		r.protectedMap = protectedPaths(r.cfg)
		r.protectedFolded = reply.FoldProtected(r.protectedMap)
	})
	return r.protectedMap, r.protectedFolded
}

// ReplyScope is where a codegen's replies may write: its outputs, less
// every declared document.
func ReplyScope(cfg *lang.Config, c *lang.Codegen) reply.Scope {
	return reply.Scope{Outputs: c.Outputs, Protected: protectedPaths(cfg)}
}

// protectedPaths maps every declared document (spec documents, steering
// files) to what it is.
func protectedPaths(cfg *lang.Config) map[string]string {
	protected := map[string]string{}
	for _, n := range cfg.Nodes {
		if s, ok := n.(*lang.Spec); ok {
			protected[s.Path] = "the spec document of " + s.Addr.String()
		}
	}
	for name, s := range cfg.Steering {
		if s.File != "" {
			protected[s.File] = "the steering file of steering." + name
		}
	}
	return protected
}

// hooksLeft returns the hashes of the files a node wrote as its hooks left
// them: read again when a hook ran (a formatter may have rewritten them),
// and as written (wrote) otherwise. Hooks are chosen by the files written,
// which only grow from attempt to attempt, so when none ran now none ran
// before either.
func (r *run) hooksLeft(outcomes []hook.Outcome, written map[string]bool, wrote map[string]string) map[string]string {
	if len(outcomes) > 0 {
		return r.currentHashes(written)
	}
	out := make(map[string]string, len(written))
	for p := range written {
		if h := wrote[p]; h != "" {
			out[p] = h
		}
	}
	return out
}

// currentHashes hashes the files a node wrote, as they are now: hooks such
// as formatters may have rewritten them since.
func (r *run) currentHashes(written map[string]bool) map[string]string {
	hashes := plan.HashFiles(r.cfg.Dir, slices.Sorted(maps.Keys(written))) // outside the lock: it reads files
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pl.Rehashed(hashes)
	return hashes
}

// prompt builds a node's prompt (see prompt.Build); the project's files
// are listed from the run's snapshot.
func (r *run) prompt(n lang.Node) (providers.PromptParts, error) {
	return prompt.Build(r.cfg, n, runFiles{r})
}

// runFiles is the run's snapshot of the project's files, for prompts.
type runFiles struct{ r *run }

func (f runFiles) Expand(pattern string) []string {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	return f.r.pl.Expand(pattern)
}

func (f runFiles) Size(path string) int64 {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	return f.r.pl.Size(path)
}

// filesForFeedback shows the model the files it wrote, as they are now.
func (r *run) filesForFeedback(files []string) string {
	var b strings.Builder
	b.WriteString("The files you wrote are now:\n\n")
	total := 0
	for _, p := range files {
		data, err := os.ReadFile(filepath.Join(r.cfg.Dir, filepath.FromSlash(p)))
		if err != nil {
			continue
		}
		if total+len(data) > 64<<10 {
			fmt.Fprintf(&b, "File: %s (not shown: the feedback is too long)\n\n", p)
			continue
		}
		total += len(data)
		fmt.Fprintf(&b, "File: %s\n%s\n\n", p, fenced(string(data)))
	}
	return b.String()
}

// fenced wraps text in a fence longer than any backtick run inside it.
func fenced(text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return fence + "\n" + text + fence
}

func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max/2] + "\n[... output cut ...]\n" + s[len(s)-max/2:]
}

// runHooks runs the hooks of an event for a node and reports each result.
func (r *run) runHooks(ctx context.Context, n lang.Node, event string, files []string) []hook.Outcome {
	r.hold() // hooks may change the project
	return hook.RunForNode(ctx, r.host, r.cfg, n, event, files, func(o hook.Outcome) {
		e := Event{Type: EventHookResult, Address: n.Address().String(), Hook: o.Hook, Passed: o.Passed && o.Err == nil,
			Output: capText(o.Output, 4<<10)}
		switch {
		case ctx.Err() != nil && !e.Passed:
			// What a cancelled action says (an RPC error, a killed
			// process's output) is noise: the run was interrupted.
			e.Output, e.Message = "", "interrupted"
		case o.Err != nil:
			e.Message = o.Err.Error()
		}
		r.opts.Events(e)
	})
}

// transcript keeps one request and its reply under .kirofile/transcripts,
// with sensitive values redacted. It is a debugging aid: it is written in
// the background, one at a time, so that a node's slot goes to the next
// node at once, and failures to write it are ignored.
func (r *run) transcript(addr, provider string, attempt int, req providers.Request, resp *providers.Response, callErr error) {
	if r.opts.Transcripts == "" {
		return
	}
	at := r.opts.Now().UTC().Format("2006-01-02T15:04:05Z")
	r.transcripts.Go(func() {
		t := struct {
			Node     string              `json:"node"`
			Provider string              `json:"provider"`
			Attempt  int                 `json:"attempt"`
			Time     string              `json:"time"`
			Messages []providers.Message `json:"messages"`
			Reply    *providers.Response `json:"reply,omitempty"`
			Error    string              `json:"error,omitempty"`
		}{Node: addr, Provider: provider, Attempt: attempt, Time: at, Messages: req.Messages, Reply: resp}
		if callErr != nil {
			t.Error = callErr.Error()
		}
		data, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return
		}
		text := r.redactor.Redact(string(data))
		// A task's address holds quotes, which Windows does not allow in
		// a name: task[2.1] names the same task.
		name := fmt.Sprintf("%s.attempt-%d.json", strings.ReplaceAll(addr, `"`, ""), attempt)
		// Not worth an fsync per request either, which would slow parallel
		// runs to the disk's pace.
		_ = os.WriteFile(filepath.Join(r.opts.Transcripts, name), []byte(text+"\n"), 0o600)
	})
}
