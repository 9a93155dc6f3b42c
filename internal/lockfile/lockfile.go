// Package lockfile reads and writes Kirofile.lock.hcl, the committed record
// of what kirofile generated and what humans approved.
//
// The lock is committed and reviewed in code review, so it is plain HCL
// native syntax in one canonical, deterministic form: the same Lock always
// renders to the same bytes whatever order its maps were filled in, and the
// text is what hclwrite.Format would leave unchanged. A diff of the lock
// therefore shows exactly the nodes that changed, and an approval shows up
// as a reviewable line.
//
// The format, version 1 (docs/lockfile.md has the full rules):
//
//	# This file is maintained by kirofile. Commit it and review its changes;
//	# approvals are recorded here. Do not edit it by hand.
//	version = 1
//
//	plugin "bedrock" {
//	  source = "./plugins/kirofile-provider-bedrock"
//	  sha256 = "<64 lowercase hex>"
//	}
//
//	node "feature.email.spec.requirements" {
//	  fingerprint = "sha256:<64 lowercase hex>"
//	  status      = "generated"
//	  attempts    = 1
//	  inputs = {
//	    config                                 = "sha256:..."
//	    "upstream.feature.a.spec.requirements" = "sha256:..."
//	  }
//	  outputs = {
//	    ".kiro/specs/email/requirements.md" = "sha256:..."
//	  }
//	  usage {
//	    prompt_tokens     = 1200
//	    completion_tokens = 800
//	  }
//	  approval {
//	    sha256      = "sha256:..."
//	    fingerprint = "sha256:..."
//	    by          = "ana@example.com"
//	    at          = "2026-11-25T10:00:00Z"
//	  }
//	}
//
// Plugins are sorted by name, nodes by address and map entries by key;
// attributes come in the order shown. Empty optional values (fingerprint,
// status, attempts 0, error, empty maps, zero usage, no approval) are left
// out, so a node carries only what it has.
//
// Reading is strict because the lock is trusted state: every value must be
// a literal, unknown arguments and blocks are errors, every hash is checked
// for its form, and any error makes Parse and Read return no Lock at all,
// so a damaged lock can never be loaded half-way and written back over the
// committed one. Each diagnostic points at the offending range in the file
// and tells the user how to recover.
package lockfile

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"time"
)

// FileName is the lock file's name in a project directory.
const FileName = "Kirofile.lock.hcl"

// Version is the format version this package writes. Parse refuses a lock
// with a newer version rather than guess at fields it does not know, which
// could silently drop approvals on the next write.
const Version = 1

// Lock is the whole content of a lock file.
type Lock struct {
	Plugins map[string]*Plugin // by plugin name
	Nodes   map[string]*Node   // by node address, e.g. "feature.email.spec.requirements"
}

// Plugin pins a third-party plugin binary, so that a binary swapped behind
// the project's back is refused instead of run.
type Plugin struct {
	Name   string
	Source string
	// Hashes holds one digest (64 lowercase hex chars, no "sha256:"
	// prefix) per platform the plugin was pinned on, keyed "GOOS_GOARCH"
	// ("linux_amd64"), as Terraform's lock holds one hash per platform: a
	// binary built for another platform is another binary. The key "" is a
	// pin written before platforms were recorded (sha256 = "HEX"); it
	// stands for whichever platform its binary matches.
	Hashes map[string]string
}

// Hash returns the digest pinned for a platform ("linux_amd64"), falling
// back on a pin recorded without a platform; "" when there is none.
func (p *Plugin) Hash(platform string) string {
	if h, ok := p.Hashes[platform]; ok {
		return h
	}
	return p.Hashes[""]
}

// Node is the record of one generated node: what it was generated from
// (Fingerprint and the per-input hashes that let plan name what changed),
// what it produced, how that went, and whether a human approved it.
type Node struct {
	Address     string
	Fingerprint string            // "sha256:<64 hex>", or "" when never generated
	Inputs      map[string]string // input name -> "sha256:<hex>", e.g. "config", "upstream.feature.a.spec.requirements"
	Status      string            // "generated", "failed", or "" for a node that only carries an approval
	Attempts    int
	Error       string            // summary of the last failure, when Status == "failed"
	Outputs     map[string]string // project-relative slash path -> "sha256:<hex>"
	// Hooks holds, for a task of a codegen with each = "task", the hooks
	// that ran after its last attempt, each with the exit status of its
	// command (0 for an action that passed without running one, 1 for one
	// that failed without): the evidence that the task was done.
	Hooks    map[string]int
	Usage    Usage
	Approval *Approval // nil when not approved
}

// Status values of a Node.
const (
	StatusGenerated = "generated"
	StatusFailed    = "failed"
)

// Usage is what a node's last run spent: the tokens of every request it
// sent, failed ones too, as the provider reported them (CachedTokens of
// the prompt tokens read from the provider's prompt cache), or as
// kirofile counted them where the provider reported none (Estimated);
// and, when the provider declares a price, what those requests cost, in
// decimal ("0.01075") in Currency.
type Usage struct {
	PromptTokens, CompletionTokens, CachedTokens int
	Estimated                                    bool
	Cost, Currency                               string
}

// Approval records that a human approved a spec document as it was. It
// binds the document's content hash, so any later edit or regeneration
// voids it without anyone having to remember to revoke it.
type Approval struct {
	SHA256      string    // "sha256:<hex>" of the spec document content approved
	Fingerprint string    // node fingerprint at approval time, "sha256:<hex>", or "" for documents written by hand
	By          string    // who approved, usually git's user.email
	At          time.Time // stored in UTC to the second, written RFC 3339
	// CheckErrors counts the errors the spec checks found in the document
	// when it was approved over them (approve -ignore-checks); 0 when it
	// passed them.
	CheckErrors int
	// Hooks says whether the spec.approved hooks of this approval have
	// run: HooksPending when some were due when it was given, HooksRan once
	// apply ran them, "" when there were none. Approving only records:
	// the hooks run in the next apply, never on the approver's machine.
	Hooks string
}

// Values of Approval.Hooks.
const (
	HooksPending = "pending"
	HooksRan     = "ran"
)

// New returns an empty lock with its maps allocated, ready for SetNode.
func New() *Lock {
	return &Lock{
		Plugins: map[string]*Plugin{},
		Nodes:   map[string]*Node{},
	}
}

// Node returns the record of the node at addr, or nil when the lock has
// none. It is safe on a nil Lock, which reads as empty.
func (l *Lock) Node(addr string) *Node {
	if l == nil {
		return nil
	}
	return l.Nodes[addr]
}

// SetNode records n under its Address, replacing any previous record.
func (l *Lock) SetNode(n *Node) {
	if n == nil {
		return
	}
	if l.Nodes == nil {
		l.Nodes = map[string]*Node{}
	}
	l.Nodes[n.Address] = n
}

// Clone returns a deep copy of l, for planning changes to a lock without
// touching the one that will be written.
func (l *Lock) Clone() *Lock {
	if l == nil {
		return nil
	}
	out := &Lock{Plugins: make(map[string]*Plugin, len(l.Plugins)), Nodes: make(map[string]*Node, len(l.Nodes))}
	for k, p := range l.Plugins {
		if p == nil {
			continue
		}
		c := *p
		c.Hashes = maps.Clone(p.Hashes)
		out.Plugins[k] = &c
	}
	for k, n := range l.Nodes {
		if n == nil {
			continue
		}
		out.Nodes[k] = n.Clone()
	}
	return out
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Inputs = maps.Clone(n.Inputs)
	c.Outputs = maps.Clone(n.Outputs)
	c.Hooks = maps.Clone(n.Hooks)
	if n.Approval != nil {
		a := *n.Approval
		c.Approval = &a
	}
	return &c
}

// RemoveNode drops the record of the node at addr, if any.
func (l *Lock) RemoveNode(addr string) {
	delete(l.Nodes, addr)
}

// HashBytes returns the lock's form of a content hash: "sha256:" followed
// by the lowercase hex SHA-256 of b. The algorithm prefix leaves room to
// change it later without misreading old locks.
func HashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hashPrefix + hex.EncodeToString(sum[:])
}

const hashPrefix = "sha256:"
