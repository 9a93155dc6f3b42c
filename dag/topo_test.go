package dag

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestTopoOrder(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		want []string
	}{
		{"empty", New[string](), []string{}},
		{"independent vertices sorted", graphOf(nil, "c", "a", "b"), []string{"a", "b", "c"}},
		{"edge beats key order", graphOf([][2]string{{"z", "a"}}), []string{"z", "a"}},
		{"diamond", diamond(), []string{"a", "b", "c", "d", "x"}},
		{"smallest ready first", graphOf([][2]string{
			{"m", "b"}, {"a", "n"}, {"n", "c"},
		}), []string{"a", "m", "b", "n", "c"}},
		{"duplicates ignored", graphOf([][2]string{{"b", "a"}, {"b", "a"}}), []string{"b", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.g.TopoOrder()
			if err != nil {
				t.Fatalf("TopoOrder: %v", err)
			}
			if !equalSlices(got, tt.want) {
				t.Fatalf("TopoOrder = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTopoOrderCycle(t *testing.T) {
	tests := []struct {
		name   string
		g      *Graph[string]
		cycles [][]string
		msg    string
	}{
		{"self loop", graphOf([][2]string{{"a", "a"}, {"a", "b"}}),
			[][]string{{"a"}}, "dependency cycle: a -> a"},
		{"triangle", graphOf([][2]string{{"a", "b"}, {"b", "c"}, {"c", "a"}, {"c", "d"}}),
			[][]string{{"a", "b", "c"}}, "dependency cycle: a -> b -> c -> a"},
		{"two cycles", graphOf([][2]string{{"b", "a"}, {"a", "b"}, {"x", "x"}}),
			[][]string{{"a", "b"}, {"x"}}, "dependency cycles: a -> b -> a; x -> x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, err := tt.g.TopoOrder()
			if order != nil {
				t.Errorf("order = %v, want nil", order)
			}
			var ce *CycleError[string]
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *CycleError", err, err)
			}
			if !reflect.DeepEqual(ce.Cycles, tt.cycles) {
				t.Errorf("Cycles = %v, want %v", ce.Cycles, tt.cycles)
			}
			if err.Error() != tt.msg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestTopoOrderIntKeys(t *testing.T) {
	g := New[int]()
	g.Connect(10, 2)
	g.Connect(10, 1)
	g.Add(5)
	got, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 10, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("TopoOrder = %v, want %v", got, want)
	}
	_, err = func() ([]int, error) { g.Connect(2, 10); return g.TopoOrder() }()
	if err == nil || err.Error() != "dependency cycle: 2 -> 10 -> 2" {
		t.Fatalf("err = %v", err)
	}
}

func ExampleGraph_TopoOrder() {
	g := New[string]()
	g.Connect("feature/login", "spec/login")
	g.Connect("spec/login", "code/login")
	g.Connect("feature/auth", "spec/login")
	order, err := g.TopoOrder()
	fmt.Println(order, err)
	// Output: [feature/auth feature/login spec/login code/login] <nil>
}
