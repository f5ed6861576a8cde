package command

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"mirador-release/tools/providers/bridge"
)

func TestReplaces(t *testing.T) {
	c := Command{}
	if got := c.Replaces([]string{"environment"}, nil, bridge.Values{}); !reflect.DeepEqual(got, []string{"environment"}) {
		t.Fatalf("without an update command a change replaces, got %v", got)
	}
	if got := c.Replaces([]string{"environment"}, nil, bridge.Values{"update": "x"}); len(got) != 0 {
		t.Fatalf("with an update command a change updates, got %v", got)
	}
	if got := c.Replaces([]string{"triggers", "delete"}, nil, bridge.Values{"update": "x"}); !reflect.DeepEqual(got, []string{"triggers"}) {
		t.Fatalf("triggers always replace, delete never, got %v", got)
	}
}

func TestCreateRunsWithEnvironmentAndStdin(t *testing.T) {
	in := bridge.Values{
		"create":      `read line; echo "$GREETING $line"; echo warn >&2`,
		"environment": map[string]any{"GREETING": "hello"},
		"stdin":       "world\n",
	}
	_, out, err := Command{}.Create(context.Background(), &bridge.Call{URN: "urn:pulumi:s::p::command:local:Command::a"}, in)
	if err != nil {
		t.Fatal(err)
	}
	if out["stdout"] != "hello world" || out["stderr"] != "warn" {
		t.Fatalf("got %v", out)
	}
}

func TestFailureCarriesTheOutput(t *testing.T) {
	_, _, err := Command{}.Create(context.Background(), &bridge.Call{URN: "urn:x::a"}, bridge.Values{"create": "echo nope >&2; exit 3"})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateOfInertInputsRunsNothing(t *testing.T) {
	olds := bridge.Values{"create": "x", "update": "exit 1", "stdout": "before", "stderr": ""}
	news := bridge.Values{"create": "x", "update": "exit 1", "delete": "echo bye"}
	out, err := Command{}.Update(context.Background(), &bridge.Call{URN: "urn:x::a"}, "id", olds, news)
	if err != nil || out["stdout"] != "before" {
		t.Fatalf("got %v, %v", out, err)
	}
}
