package main

import (
	"flag"
	"reflect"
	"testing"

	"github.com/kirofile/kirofile/lang"
)

// flagNames lists the flags of fs that have a usage text.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage != "" {
			names = append(names, f.Name)
		}
	})
	return names
}

// TestVarFlagsKeepOrder checks that -var and -var-file end up in one list
// in command-line order, which decides which value wins.
func TestVarFlagsKeepOrder(t *testing.T) {
	var l loadFlags
	fs := newFlagSet("test")
	l.flags(fs)
	err := fs.Parse([]string{
		"-var", "a=1",
		"-var-file=one.kirovars",
		"-var=b=x=y",
		"-var-file", "two.kirovars",
		"-var", "a=",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []lang.VarArg{
		{Raw: "a=1"},
		{File: "one.kirovars"},
		{Raw: "b=x=y"},
		{File: "two.kirovars"},
		{Raw: "a="},
	}
	if !reflect.DeepEqual(l.vars, want) {
		t.Errorf("vars = %+v, want %+v", l.vars, want)
	}
}

func TestChoiceFlag(t *testing.T) {
	v := "dot"
	f := choiceFlag{&v, []string{"dot", "mermaid"}}
	if err := f.Set("mermaid"); err != nil || v != "mermaid" {
		t.Errorf("Set(mermaid) = %v, value %q", err, v)
	}
	if err := f.Set("svg"); err == nil || v != "mermaid" {
		t.Errorf("Set(svg) = %v, value %q; want an error and no change", err, v)
	}
	if got := (choiceFlag{}).String(); got != "" {
		t.Errorf("zero String() = %q", got)
	}
}
