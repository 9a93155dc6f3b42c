package lang

import (
	"fmt"
	"strconv"
	"strings"
)

// Node kinds, as they appear in addresses.
const (
	NodeSpec    = "spec"
	NodeCodegen = "codegen"
	// NodeTask is a task of a codegen that runs its feature's tasks one by
	// one (each = "task"): feature.F.codegen.C.task["2.1"]. Tasks come
	// from the approved tasks document, not from the configuration: plan
	// expands them.
	NodeTask = "task"
)

// Address names a node, "feature.F.spec.S" or "feature.F.codegen.C", a
// task of a codegen, `feature.F.codegen.C.task["2.1"]` (Kind NodeTask,
// Name the codegen's, Task the task's id), or a whole feature,
// "feature.F", when Kind and Name are empty.
type Address struct {
	Feature string
	Kind    string // NodeSpec, NodeCodegen, NodeTask, or "" for a feature address
	Name    string
	Task    string // the task's id, for NodeTask
}

// SpecAddr returns the address of spec S of feature F.
func SpecAddr(feature, name string) Address {
	return Address{Feature: feature, Kind: NodeSpec, Name: name}
}

// CodegenAddr returns the address of codegen C of feature F.
func CodegenAddr(feature, name string) Address {
	return Address{Feature: feature, Kind: NodeCodegen, Name: name}
}

// TaskAddr returns the address of task id of codegen C of feature F.
func TaskAddr(feature, codegen, id string) Address {
	return Address{Feature: feature, Kind: NodeTask, Name: codegen, Task: id}
}

// IsFeature reports whether the address names a whole feature.
func (a Address) IsFeature() bool { return a.Kind == "" }

// IsTask reports whether the address names a task.
func (a Address) IsTask() bool { return a.Kind == NodeTask }

// Codegen returns the address of the codegen a task belongs to.
func (a Address) Codegen() Address { return CodegenAddr(a.Feature, a.Name) }

func (a Address) String() string {
	switch a.Kind {
	case "":
		return "feature." + a.Feature
	case NodeTask:
		return "feature." + a.Feature + "." + NodeCodegen + "." + a.Name + `.task["` + a.Task + `"]`
	}
	return "feature." + a.Feature + "." + a.Kind + "." + a.Name
}

// ParseAddress parses a node or feature address as given on a command line.
// Addresses are dotted names, so no expression parser is needed: plain
// string splitting keeps this cheap enough for the hot paths of plan and
// apply, which parse addresses by the thousand. A task is addressed as
// Terraform addresses an instance, by a key in brackets:
// feature.F.codegen.C.task["2.1"]; the quotes may be left out
// (task[2.1]), which spares a shell's quoting.
func ParseAddress(s string) (Address, error) {
	bad := func(why string) (Address, error) {
		return Address{}, fmt.Errorf("invalid address %q: %s", s, why)
	}
	const want = `want feature.NAME, feature.NAME.spec.NAME, feature.NAME.codegen.NAME or feature.NAME.codegen.NAME.task["ID"]`
	base, key, indexed := strings.Cut(s, "[")
	if indexed {
		task, ok := strings.CutSuffix(base, ".task")
		if !ok {
			return bad("only a codegen's tasks are indexed; " + want)
		}
		id, ok := taskKey(key)
		if !ok {
			return bad(`a task is named by its number, as in task["2.1"]`)
		}
		a, err := ParseAddress(task)
		if err != nil || a.Kind != NodeCodegen {
			return bad(want)
		}
		return TaskAddr(a.Feature, a.Name, id), nil
	}
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if !validName(p) {
			if strings.ContainsAny(p, "]") {
				return bad("index steps are not allowed here; " + want)
			}
			return bad(want)
		}
	}
	switch {
	case len(parts) == 2 && parts[0] == "feature":
		return Address{Feature: parts[1]}, nil
	case len(parts) == 4 && parts[0] == "feature" && (parts[2] == NodeSpec || parts[2] == NodeCodegen):
		return Address{Feature: parts[1], Kind: parts[2], Name: parts[3]}, nil
	}
	return bad(want)
}

// taskKey reads the key of task[KEY]: a task number, quoted or not ("2.1"
// or 2.1), followed by the closing bracket and nothing else.
func taskKey(key string) (string, bool) {
	key, ok := strings.CutSuffix(key, "]")
	if !ok {
		return "", false
	}
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	if !ValidTaskID(key) {
		return "", false
	}
	return key, true
}

// ValidTaskID reports whether id is a task number as a tasks document
// numbers tasks: digits in dot-separated parts ("3", "2.1", "1.2.3").
func ValidTaskID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, p := range strings.Split(id, ".") {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// Less orders addresses by feature, then kind (specs first, then each
// codegen followed by its tasks), then name, then task number (2.9 before
// 2.10).
func (a Address) Less(b Address) bool {
	if a.Feature != b.Feature {
		return a.Feature < b.Feature
	}
	ra, rb := kindRank(a.Kind), kindRank(b.Kind)
	if ra != rb {
		return ra < rb
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return TaskIDLess(a.Task, b.Task)
}

func kindRank(kind string) int {
	switch kind {
	case NodeSpec:
		return 1
	case NodeCodegen, NodeTask:
		return 2
	}
	return 0
}

// TaskIDLess orders task numbers part by part, numerically ("" first).
func TaskIDLess(a, b string) bool {
	if a == b {
		return false
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, errx := strconv.Atoi(pa[i])
		y, erry := strconv.Atoi(pb[i])
		if errx == nil && erry == nil && x != y {
			return x < y
		}
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}
