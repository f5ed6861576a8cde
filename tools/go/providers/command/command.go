// Package command is the stand-in for command:local:Command: it runs the create, update and delete commands
// with /bin/sh (or the given interpreter), the environment and stdin, and records stdout and stderr.
package command

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"mirador-release/tools/providers/bridge"
)

// Command implements bridge.Resource.
type Command struct{}

// Inputs whose change alone runs nothing: they only matter for later operations.
var inert = map[string]bool{"delete": true, "logging": true, "update": true, "addPreviousOutputInEnv": true}

func (Command) Check(context.Context, *bridge.Call, bridge.Values) (bridge.Values, error) {
	return nil, nil
}

func (Command) Computed() []string { return []string{"stdout", "stderr"} }

// Replaces: a change of triggers always replaces (re-runs create); any other change of an input that create
// reads replaces too, unless an update command is given, which then runs instead.
func (Command) Replaces(changed []string, _, news bridge.Values) []string {
	var replaces []string
	for _, k := range changed {
		if k == "triggers" || (!inert[k] && news.String("update") == "") {
			replaces = append(replaces, k)
		}
	}
	return replaces
}

func (Command) Create(ctx context.Context, c *bridge.Call, in bridge.Values) (string, bridge.Values, error) {
	out, err := run(ctx, c, in, in.String("create"), nil)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("%s-%d", lastSegment(c.URN), os.Getpid()), out, nil
}

func (Command) Update(ctx context.Context, c *bridge.Call, _ string, olds, in bridge.Values) (bridge.Values, error) {
	previous := bridge.Values{"stdout": olds.String("stdout"), "stderr": olds.String("stderr")}
	script := in.String("update")
	if script == "" || onlyInert(olds, in) {
		return previous, nil
	}
	return run(ctx, c, in, script, previous)
}

func (Command) Delete(ctx context.Context, c *bridge.Call, _ string, olds bridge.Values) error {
	script := olds.String("delete")
	if script == "" {
		return nil
	}
	_, err := run(ctx, c, olds, script, bridge.Values{"stdout": olds.String("stdout"), "stderr": olds.String("stderr")})
	return err
}

// onlyInert says whether nothing that create/update reads changed.
func onlyInert(olds, news bridge.Values) bool {
	for k := range news {
		if !inert[k] && k != "stdout" && k != "stderr" && fmt.Sprint(olds[k]) != fmt.Sprint(news[k]) {
			return false
		}
	}
	return true
}

func run(ctx context.Context, c *bridge.Call, in bridge.Values, script string, previous bridge.Values) (bridge.Values, error) {
	if script == "" {
		return bridge.Values{"stdout": "", "stderr": ""}, nil
	}
	interpreter := in.Strings("interpreter")
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	cmd := exec.CommandContext(ctx, interpreter[0], append(interpreter[1:], script)...)
	cmd.Dir = in.String("dir")
	cmd.Env = os.Environ()
	for k, v := range in.StringMap("environment") {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if previous != nil && in.Bool("addPreviousOutputInEnv", true) {
		cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDOUT="+previous.String("stdout"),
			"PULUMI_COMMAND_STDERR="+previous.String("stderr"))
	}
	if stdin := in.String("stdin"); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	c.Status("running: " + firstLine(script))
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("command failed: %w\ncommand: %s\nstdout:\n%s\nstderr:\n%s", err, script,
			stdout.String(), stderr.String())
	}
	return bridge.Values{
		"stdout": strings.TrimSuffix(stdout.String(), "\n"),
		"stderr": strings.TrimSuffix(stderr.String(), "\n"),
	}, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 100 {
		line = line[:100] + "…"
	}
	return line
}

func lastSegment(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }
