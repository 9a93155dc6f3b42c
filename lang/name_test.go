package lang

import (
	"regexp"
	"testing"
)

// nameSpec is nameRule as a regular expression: validName must agree.
var nameSpec = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"a", true}, {"_", true}, {"Auth", true}, {"user-auth_2", true}, {"_x-1", true},
		{"", false}, {"1a", false}, {"-a", false}, {"a b", false}, {"a.b", false},
		{"é", false}, {"aé", false}, {"a\x00", false}, {"a\n", false}, {"a/b", false},
	}
	for _, tt := range tests {
		if got := validName(tt.name); got != tt.want {
			t.Errorf("validName(%q) = %v, want %v", tt.name, got, tt.want)
		}
		if spec := nameSpec.MatchString(tt.name); spec != tt.want {
			t.Errorf("the rule's expression says %v for %q", spec, tt.name)
		}
	}
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"a", "1a", "a-b", "_", "", "é", "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validName(s), nameSpec.MatchString(s); got != want {
			t.Fatalf("validName(%q) = %v, the rule says %v", s, got, want)
		}
	})
}
