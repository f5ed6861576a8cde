package bridge

import (
	"reflect"
	"testing"
)

func TestChangedKeys(t *testing.T) {
	olds := Values{"create": "echo a", "environment": map[string]any{"A": "1"}, "triggers": []any{"x"}, "dir": ""}
	news := Values{"create": "echo a", "environment": map[string]any{"A": "2"}, "triggers": []any{"x"}}
	if got := changedKeys(olds, news); !reflect.DeepEqual(got, []string{"environment"}) {
		t.Fatalf("got %v", got)
	}
	news["triggers"] = []any{Unknown{}}
	if got := changedKeys(olds, news); !reflect.DeepEqual(got, []string{"environment", "triggers"}) {
		t.Fatalf("an unknown value must count as a change, got %v", got)
	}
	if got := changedKeys(Values{"a": map[string]any{}}, Values{}); len(got) != 0 {
		t.Fatalf("an empty map equals an absent value, got %v", got)
	}
}
