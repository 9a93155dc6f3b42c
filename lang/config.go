// Package lang parses, evaluates and checks Kirofiles: the HCL files that
// declare features, specs, codegen steps, providers, steering and hooks.
//
// Loading follows HCL's "interdependent blocks" pattern: the merged body of
// every Kirofile in a directory is decoded structurally first, so that every
// name is known; variables and locals are then evaluated in dependency order;
// finally each block's attributes are evaluated against a context that holds
// every declared object, and the references found along the way become the
// edges of the dependency graph.
package lang

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/dag"
	"github.com/zclconf/go-cty/cty"
)

// Config is a fully loaded and checked project configuration.
type Config struct {
	// Dir is the project directory, absolute.
	Dir string
	// Files maps every parsed file name (relative to Dir) to its parsed form;
	// diagnostic writers use it to print source snippets.
	Files map[string]*hcl.File

	Settings  *Settings
	Variables map[string]*Variable
	Locals    map[string]*Local
	Providers map[string]*Provider // keyed by "TYPE.NAME"
	Steering  map[string]*Steering
	Features  map[string]*Feature
	Hooks     map[string]*Hook
	// Budget is the top-level budget block, or nil (see budget.go).
	Budget *Budget

	// Nodes is every spec and codegen node, sorted by address.
	Nodes []Node

	graph *dag.Graph[string]
	// evalCtx is the context every top-level expression was evaluated in
	// (variables, locals, functions, and every declared object), kept so
	// that expressions can be evaluated against the configuration later.
	evalCtx *hcl.EvalContext
}

// Settings is the `kirofile` block.
type Settings struct {
	RequiredVersion string
	// MaxPromptTokens is max_prompt_tokens; 0 when not set (see
	// PromptTokenLimit).
	MaxPromptTokens int
	Plugins         map[string]*PluginDecl
	DeclRange       hcl.Range
}

// PluginKind says which protocol a third-party plugin binary serves.
type PluginKind string

const (
	PluginProvider PluginKind = "provider"
	PluginAction   PluginKind = "action"
)

// PluginDecl is a `plugin "NAME"` block inside `kirofile`.
type PluginDecl struct {
	Name string
	// Kind is taken from the binary's name (kirofile-provider-NAME or
	// kirofile-action-NAME) unless `kind` says otherwise.
	Kind PluginKind
	// Source is the path to the plugin binary, relative to the project dir.
	Source    string
	DeclRange hcl.Range
}

// Variable is a `variable` block and its resolved value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Default     cty.Value // cty.NilVal when there is no default
	Sensitive   bool
	// Value is the final value: from -var, -var-file, KIRO_VAR_name or the
	// default. It is unknown when no value was given and none was required.
	Value     cty.Value
	DeclRange hcl.Range
}

// Local is one entry of a `locals` block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	Value     cty.Value
	DeclRange hcl.Range
}

// Provider is a `provider "TYPE" "NAME"` block.
type Provider struct {
	Type string
	Name string
	// Config holds the evaluated attributes of the block. Values derived
	// from sensitive variables carry the "sensitive" mark.
	Config    map[string]cty.Value
	DeclRange hcl.Range
}

// Addr returns the reference form of the provider, "provider.TYPE.NAME".
func (p *Provider) Addr() string { return "provider." + p.Type + "." + p.Name }

// Inclusion says when a steering document is added to a prompt.
type Inclusion string

const (
	InclusionAlways    Inclusion = "always"
	InclusionFileMatch Inclusion = "fileMatch"
	InclusionManual    Inclusion = "manual"
)

// Steering is a `steering` block: context added to prompts.
type Steering struct {
	Name string
	// File is the steering document's path relative to the project dir;
	// empty when Content is given inline.
	File    string
	Content string
	// Match limits the steering to nodes whose outputs match these globs.
	// Front matter's fileMatchPattern is merged in here.
	Match     []string
	Inclusion Inclusion
	// FileRefs are the files the steering document pulls in with Kiro's
	// #[[file:PATH]] references, relative to the project dir, in order:
	// their contents belong in the prompt with the document's, and they
	// are inputs of every node the steering applies to.
	FileRefs []string
	// Unknown is true when the file or content depends on a variable
	// without a value (validate, approve and show need none).
	Unknown   bool
	DeclRange hcl.Range
}

// Feature is a `feature` block.
type Feature struct {
	Name        string
	Description string
	// DescriptionUnknown is true when the description depends on a
	// variable without a value (validate, approve and show need none).
	DescriptionUnknown bool
	// Provider is the feature-wide provider key ("TYPE.NAME"), or "".
	Provider string
	// Workflow orders the feature's standard specs: WorkflowRequirementsFirst
	// (requirements, design, tasks; a bugfix spec takes the place of the
	// requirements) or WorkflowDesignFirst (design, requirements, tasks).
	Workflow string
	// Budget is the feature's budget block, or nil.
	Budget    *Budget
	Specs     map[string]*Spec
	Codegens  map[string]*Codegen
	DeclRange hcl.Range
}

// Standard spec kinds. A spec labelled with one of these names gets its kind
// and prompt by default.
const (
	KindRequirements = "requirements"
	KindDesign       = "design"
	KindTasks        = "tasks"
	// KindBugfix is Kiro's bugfix document (bugfix.md): the analysis of a
	// bug (current, expected and unchanged behaviour) that the design and
	// the tasks of a bugfix spec build on, in place of requirements.
	KindBugfix = "bugfix"
	// KindDocument is a free-form document whose shape the prompt decides.
	KindDocument = "document"
)

// Workflows of a feature, as Kiro's .config.kiro names them.
const (
	WorkflowRequirementsFirst = "requirements-first"
	WorkflowDesignFirst       = "design-first"
)

// Approval modes of a spec.
const (
	ApprovalHuman = "human"
	ApprovalAuto  = "auto"
)

// Spec is a `spec` block inside a feature.
type Spec struct {
	Addr   Address
	Kind   string
	Prompt string
	// Path is the spec document's path relative to the project dir.
	Path     string
	Approval string
	// Provider is the effective provider key ("TYPE.NAME"): the spec's own,
	// else the feature's; "" when neither sets one.
	Provider  string
	DependsOn []Dependency
	// Config is the evaluated configuration that feeds the node's input
	// fingerprint (sensitive values removed).
	Config    map[string]cty.Value
	DeclRange hcl.Range
}

// Codegen is a `codegen` block inside a feature.
type Codegen struct {
	Addr        Address
	Prompt      string
	Outputs     []string
	Context     []string
	Hooks       []string
	MaxAttempts int
	Provider    string
	DependsOn   []Dependency
	Config      map[string]cty.Value
	// Each is EachTask when the codegen carries out its feature's approved
	// tasks one by one, each task a node of its own; "" when it generates
	// the feature in one request.
	Each string
	// TasksSpec is the tasks spec whose document an EachTask codegen
	// carries out: the one spec of kind tasks it depends on.
	TasksSpec *Spec
	// OptionalTasks runs the tasks the document marks optional ("- [ ]*")
	// too; they are skipped otherwise.
	OptionalTasks bool
	DeclRange     hcl.Range
}

// EachTask is the value of a codegen's each that runs its feature's tasks
// one by one.
const EachTask = "task"

// Hook events.
const (
	EventSpecGenerated    = "spec.generated"
	EventSpecApproved     = "spec.approved"
	EventCodegenCompleted = "codegen.completed"
	// EventTaskCompleted fires when a task of a codegen with each = "task"
	// wrote its reply (codegen.completed fires then too): for hooks that
	// should run after tasks only.
	EventTaskCompleted = "task.completed"
	EventFileSaved     = "file.saved"
)

// HookEvents lists every event a hook may listen to.
var HookEvents = []string{EventSpecGenerated, EventSpecApproved, EventCodegenCompleted, EventTaskCompleted, EventFileSaved}

// Hook is a `hook` block.
type Hook struct {
	Name      string
	On        []string
	Feedback  bool
	Match     []string
	Actions   []*Action
	DeclRange hcl.Range
}

// Action is an `action "TYPE"` block inside a hook.
type Action struct {
	Type string
	// Built-in exec action settings, decoded for convenience.
	Command []string
	Timeout time.Duration
	Env     map[string]string
	Dir     string
	// Config holds every evaluated attribute of the block, for plugins.
	Config    map[string]cty.Value
	DeclRange hcl.Range
}

// Dependency is one upstream node of a node, and where it was declared.
// Range is the reference that created it, or the node's own block for
// implicit (default) dependencies.
type Dependency struct {
	Addr     Address
	Implicit bool
	Range    hcl.Range
}

// Node is a spec or a codegen: the units of the dependency graph.
type Node interface {
	Address() Address
	Dependencies() []Dependency
	DeclRng() hcl.Range
}

func (s *Spec) Address() Address              { return s.Addr }
func (s *Spec) Dependencies() []Dependency    { return s.DependsOn }
func (s *Spec) DeclRng() hcl.Range            { return s.DeclRange }
func (c *Codegen) Address() Address           { return c.Addr }
func (c *Codegen) Dependencies() []Dependency { return c.DependsOn }
func (c *Codegen) DeclRng() hcl.Range         { return c.DeclRange }
