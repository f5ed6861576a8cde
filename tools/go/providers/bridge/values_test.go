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

func TestWithoutIgnored(t *testing.T) {
	changed := []string{"build", "contextDigest", "imageName"}
	if got := withoutIgnored(changed, []string{"contextDigest"}); !reflect.DeepEqual(got, []string{"build", "imageName"}) {
		t.Fatalf("an ignored key must not count as a change, got %v", got)
	}
	if got := withoutIgnored([]string{"contextDigest"}, []string{"contextDigest"}); len(got) != 0 {
		t.Fatalf("only ignored changes are no change, got %v", got)
	}
}
