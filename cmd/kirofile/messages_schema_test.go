package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The -json contract is docs/json-output.schema.json. These tests pin it
// from both sides: the schema describes the Go message types field by
// field (a field added to a type without the schema fails), and every line
// that a -json command prints in the script tests validates against it
// (checkJSONLines, run by TestScripts).

const schemaPath = "../../docs/json-output.schema.json"

// wireMessages maps each message "type" to its Go type. A message type
// added to the package must be added here and to the schema:
// TestJSONSchemaMatchesMessages finds every struct embedding envelope.
var wireMessages = map[string]message{
	"version":         &versionMessage{},
	"diagnostic":      &diagnosticMessage{},
	"validate":        &validateMessage{},
	"planned_change":  &plannedChangeMessage{},
	"plan_summary":    &planSummaryMessage{},
	"plan_saved":      &planSavedMessage{},
	"node_started":    &nodeStartedMessage{},
	"node_progress":   &nodeProgressMessage{},
	"hook_result":     &hookResultMessage{},
	"node_finished":   &nodeFinishedMessage{},
	"interrupted":     &interruptedMessage{},
	"apply_summary":   &applySummaryMessage{},
	"node":            &nodeStatusMessage{},
	"approve_result":  &approvalMessage{},
	"approve_summary": &approveSummaryMessage{},
	"revoke_result":   &revocationMessage{},
	"revoke_summary":  &revokeSummaryMessage{},
	"trace_criterion": &traceCriterionMessage{},
	"trace_summary":   &traceSummaryMessage{},

	"template":        &templateMessage{},
	"starter_written": &starterWrittenMessage{},
	"kiro_adopted":    &kiroAdoptedMessage{},
	"plugin":          &pluginMessage{},
	"gitattributes":   &gitAttributesMessage{},
	"init_complete":   &initCompleteMessage{},

	"watching":          &watchingMessage{},
	"files_saved":       &filesSavedMessage{},
	"saved_hook_result": &savedHookResultMessage{},
	"watch_error":       &watchErrorMessage{},
	"watch_stopped":     &watchStoppedMessage{},
}

// compiledSchema is the schema of every line and, for precise messages,
// of each message type.
type compiledSchema struct {
	line   *jsonschema.Schema
	byType map[string]*jsonschema.Schema
}

// loadSchema returns the schema document and its compiled form, which
// checks formats (date-time) too.
func loadSchema(t *testing.T) (map[string]any, *compiledSchema) {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("json-output.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch := &compiledSchema{byType: map[string]*jsonschema.Schema{}}
	if sch.line, err = c.Compile("json-output.schema.json"); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	for typ := range doc.(map[string]any)["$defs"].(map[string]any) {
		if sch.byType[typ], err = c.Compile("json-output.schema.json#/$defs/" + typ); err != nil {
			t.Fatalf("%s: %s: %v", schemaPath, typ, err)
		}
	}
	return doc.(map[string]any), sch
}

func TestJSONSchemaMatchesMessages(t *testing.T) {
	doc, _ := loadSchema(t)
	if got := doc["x-kirofile-ui"]; got != uiVersion {
		t.Errorf("the schema describes ui %v, the output is ui %s: update the schema with the format", got, uiVersion)
	}
	defs := doc["$defs"].(map[string]any)

	// The schema lists exactly the message types.
	var listed []string
	for _, alt := range doc["oneOf"].([]any) {
		listed = append(listed, strings.TrimPrefix(alt.(map[string]any)["$ref"].(string), "#/$defs/"))
	}
	var known []string
	for typ := range wireMessages {
		known = append(known, typ)
	}
	sort.Strings(listed)
	sort.Strings(known)
	if !slices.Equal(listed, known) {
		t.Errorf("the schema's messages are %v, the Go messages %v", listed, known)
	}

	// Every message struct of the package is known here.
	for _, name := range envelopeStructs(t) {
		found := false
		for _, m := range wireMessages {
			found = found || reflect.TypeOf(m).Elem().Name() == name
		}
		if !found {
			t.Errorf("%s embeds envelope but is not in wireMessages: add it there and to %s", name, schemaPath)
		}
	}

	for typ, m := range wireMessages {
		def, ok := defs[typ].(map[string]any)
		if !ok {
			t.Errorf("the schema has no definition of %q", typ)
			continue
		}
		props, _ := def["properties"].(map[string]any)
		if c := props["type"].(map[string]any)["const"]; c != typ {
			t.Errorf("%s: the type property is %v", typ, c)
		}
		checkStruct(t, typ, reflect.TypeOf(m).Elem(), def, defs, "timestamp")
	}
}

// envelopeStructs returns the names of the package's struct types that
// embed envelope: the -json messages.
func envelopeStructs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, f := range st.Fields.List {
					if id, ok := f.Type.(*ast.Ident); ok && len(f.Names) == 0 && id.Name == "envelope" {
						out = append(out, ts.Name.Name)
					}
				}
			}
			return true
		})
	}
	return out
}

// checkStruct compares a Go struct with its schema definition: the same
// properties, required exactly when the field is always written (no
// omitempty), of matching types, and nothing else allowed. extra names
// properties the schema has beyond the fields (the timestamp emit adds).
func checkStruct(t *testing.T, path string, typ reflect.Type, def, defs map[string]any, extra ...string) {
	t.Helper()
	if def["additionalProperties"] != false {
		t.Errorf("%s: the schema must say additionalProperties: false", path)
	}
	props, _ := def["properties"].(map[string]any)
	required := map[string]bool{}
	for _, r := range def["required"].([]any) {
		required[r.(string)] = true
	}
	fields := jsonFields(typ)
	for name, f := range fields {
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s.%s: the Go field %s is not in the schema", path, name, f.Name)
			continue
		}
		omitempty := strings.Contains(f.Tag.Get("json"), ",omitempty")
		if required[name] == omitempty {
			t.Errorf("%s.%s: required in the schema is %v, but the field is always written: %v", path, name, required[name], !omitempty)
		}
		checkType(t, path+"."+name, f.Type, p, defs)
	}
	for name := range props {
		if _, ok := fields[name]; !ok && !slices.Contains(extra, name) {
			t.Errorf("%s.%s: in the schema but no Go field writes it", path, name)
		}
	}
	for _, name := range extra {
		if !required[name] {
			t.Errorf("%s.%s: every message has it; the schema must require it", path, name)
		}
	}
}

// jsonFields returns the fields encoding/json writes for typ, by name,
// embedded structs flattened.
func jsonFields(typ reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// checkType compares a Go type with the schema of a property.
func checkType(t *testing.T, path string, typ reflect.Type, p, defs map[string]any) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if ref, ok := p["$ref"].(string); ok {
		def, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if def == nil || typ.Kind() != reflect.Struct {
			t.Errorf("%s: the schema refers to %s for Go type %s", path, ref, typ)
			return
		}
		checkStruct(t, path, typ, def, defs)
		return
	}
	want := map[reflect.Kind]string{
		reflect.String: "string", reflect.Bool: "boolean",
		reflect.Int: "integer", reflect.Int64: "integer", reflect.Int32: "integer",
		reflect.Slice: "array", reflect.Map: "object",
	}[typ.Kind()]
	got, _ := p["type"].(string)
	if got == "" {
		// A const or an enum of strings says the type with its values.
		if _, ok := p["const"].(string); ok && typ.Kind() == reflect.String {
			return
		}
		if enum, ok := p["enum"].([]any); ok && typ.Kind() == reflect.String {
			for _, v := range enum {
				if _, ok := v.(string); !ok {
					t.Errorf("%s: enum value %v is not a string", path, v)
				}
			}
			return
		}
	}
	if got != want {
		t.Errorf("%s: the schema's type is %q, the Go type %s is written as %q", path, got, typ, want)
		return
	}
	switch typ.Kind() {
	case reflect.Slice:
		items, _ := p["items"].(map[string]any)
		if items == nil {
			t.Errorf("%s: the schema does not say what the items are", path)
			return
		}
		checkType(t, path+"[]", typ.Elem(), items, defs)
	case reflect.Map:
		// Either any key with values of one schema, or the keys listed
		// with nothing else allowed.
		if ap, ok := p["additionalProperties"].(map[string]any); ok {
			checkType(t, path+"{}", typ.Elem(), ap, defs)
			return
		}
		props, _ := p["properties"].(map[string]any)
		if props == nil || p["additionalProperties"] != false {
			t.Errorf("%s: the schema must list the keys with additionalProperties: false, or give the values' schema", path)
		}
		for k, v := range props {
			checkType(t, path+"."+k, typ.Elem(), v.(map[string]any), defs)
		}
	}
}

// TestJSONSchemaRejects makes sure the schema can fail: each line breaks
// the contract in one way.
func TestJSONSchemaRejects(t *testing.T) {
	_, sch := loadSchema(t)
	const ts = `"timestamp":"2026-01-02T03:04:05.678Z"`
	good := `{"type":"validate","valid":true,"error_count":0,"warning_count":1,` + ts + `}`
	if err := validateLine(sch, good); err != nil {
		t.Fatalf("a valid line is refused: %v", err)
	}
	for name, line := range map[string]string{
		"an unknown field":     `{"type":"validate","valid":true,"error_count":0,"warning_count":1,"extra":1,` + ts + `}`,
		"a missing field":      `{"type":"validate","valid":true,"error_count":0,` + ts + `}`,
		"a wrong type":         `{"type":"validate","valid":"yes","error_count":0,"warning_count":1,` + ts + `}`,
		"an unknown message":   `{"type":"validated",` + ts + `}`,
		"no timestamp":         `{"type":"interrupted"}`,
		"a bad timestamp":      `{"type":"interrupted","timestamp":"yesterday"}`,
		"an unknown action":    `{"type":"node_started","address":"feature.a.spec.b","action":"delete",` + ts + `}`,
		"a feature as address": `{"type":"node_started","address":"feature.a","action":"create",` + ts + `}`,
		"not an object":        `["validate"]`,
	} {
		if validateLine(sch, line) == nil {
			t.Errorf("%s passes: %s", name, line)
		}
	}
}

// validateLine validates one line. Its error, when the line's type is
// known, is the detailed one of that type's schema rather than "matches no
// message".
func validateLine(sch *compiledSchema, line string) error {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
	if err != nil {
		return err
	}
	if err := sch.line.Validate(v); err != nil {
		var head struct{ Type string }
		if json.Unmarshal([]byte(line), &head) == nil {
			if one := sch.byType[head.Type]; one != nil {
				if err := one.Validate(v); err != nil {
					return fmt.Errorf("%#v", err)
				}
			}
		}
		return err
	}
	return nil
}

// unprovoked lists the message types that no script can make kirofile
// print, and why; TestJSONSchemaMatchesMessages still checks their shape.
var unprovoked = map[string]string{
	"watch_error": "the file watcher's own errors (an overflowing event queue) cannot be caused on purpose",
}

// jsonLinesEnv names the directory where the scripts' kirofile copies the
// stdout of every run with -json (scriptMain), for checkJSONLines.
const jsonLinesEnv = "KIROFILE_TEST_JSON_LINES"

// checkJSONLines validates every line the scripts' -json runs printed.
// When every script ran, it also checks that they printed every message
// type at least once, so that no part of the contract goes unchecked.
func checkJSONLines(t *testing.T, dir string) {
	_, sch := loadSchema(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		sc.Scan()
		args := sc.Text() // the first line is the command line
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if err := validateLine(sch, line); err != nil {
				t.Errorf("kirofile %s: line %d does not match the schema: %v\n%s", args, n, err, line)
				continue
			}
			var head struct{ Type string }
			_ = json.Unmarshal([]byte(line), &head)
			if n == 1 && head.Type != "version" {
				t.Errorf("kirofile %s: the first line is %q, not the version", args, head.Type)
			}
			seen[head.Type]++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Errorf("kirofile %s: %v", args, err)
		}
	}
	t.Logf("%d -json runs checked against the schema: %v", len(files), seen)
	if run := flag.Lookup("test.run"); run == nil || strings.Contains(run.Value.String(), "/") {
		return // some scripts only
	}
	for typ := range wireMessages {
		if seen[typ] == 0 && unprovoked[typ] == "" {
			t.Errorf("no script prints a %q message: add one, so that the schema of it is checked", typ)
		}
	}
}
