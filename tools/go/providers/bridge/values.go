package bridge

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
)

// changedKeys lists the top-level keys whose values differ; an unknown new value counts as a change.
func changedKeys(olds, news Values) []string {
	keys := map[string]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var changed []string
	for k := range keys {
		if containsUnknown(news[k]) || !reflect.DeepEqual(normalise(olds[k]), normalise(news[k])) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed
}

// withoutIgnored drops the keys a resource's ignoreChanges names, as a provider's Diff must (the engine hands the
// list to Diff, and a value the provider's Check derives, such as the docker image's contextDigest, is only
// ignored there). Top-level keys only: "build.context" names a nested field, which none of the programs ignore.
func withoutIgnored(changed, ignore []string) []string {
	var kept []string
	for _, k := range changed {
		ignored := false
		for _, i := range ignore {
			if i == k {
				ignored = true
			}
		}
		if !ignored {
			kept = append(kept, k)
		}
	}
	return kept
}

// normalise treats an absent value, null, an empty map and an empty list alike.
func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
	case []any:
		if len(t) == 0 {
			return nil
		}
	case string:
		if t == "" {
			return nil
		}
	}
	return v
}

func containsUnknown(v any) bool {
	switch t := v.(type) {
	case Unknown:
		return true
	case map[string]any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// String reads a string value, "" when absent.
func (v Values) String(key string) string {
	s, _ := v[key].(string)
	return s
}

// Bool reads a boolean value with a default.
func (v Values) Bool(key string, def bool) bool {
	if b, ok := v[key].(bool); ok {
		return b
	}
	return def
}

// Number reads a number value with a default.
func (v Values) Number(key string, def float64) float64 {
	if n, ok := v[key].(float64); ok {
		return n
	}
	return def
}

// Object reads a nested object, empty when absent.
func (v Values) Object(key string) Values {
	if m, ok := v[key].(map[string]any); ok {
		return Values(m)
	}
	return Values{}
}

// StringMap reads a map of strings (environment variables, labels).
func (v Values) StringMap(key string) map[string]string {
	out := map[string]string{}
	for k, e := range v.Object(key) {
		if s, ok := e.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Strings reads a list of strings.
func (v Values) Strings(key string) []string {
	var out []string
	if l, ok := v[key].([]any); ok {
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Run executes a program and returns its stdout; a failure carries the command line and both outputs.
func Run(ctx context.Context, env []string, stdin string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err,
			tail(stdout.String()), tail(stderr.String()))
	}
	return stdout.String(), nil
}

// tail keeps the last lines of a long output for error messages.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = append([]string{"…"}, lines[len(lines)-40:]...)
	}
	out := strings.Join(lines, "\n")
	if out != "" {
		out += "\n"
	}
	return out
}
