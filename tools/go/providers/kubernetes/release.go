package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"mirador-release/tools/providers/bridge"
)

// Release implements bridge.Resource for kubernetes:helm.sh/v3:Release with `helm upgrade --install`.
type Release struct{}

func (Release) Check(context.Context, *bridge.Call, bridge.Values) (bridge.Values, error) {
	return nil, nil
}

func (Release) Computed() []string { return []string{"status"} }

// Replaces: another name or namespace is another release.
func (Release) Replaces(changed []string, _, _ bridge.Values) []string {
	return changedAny(changed, "name", "namespace")
}

func (r Release) Create(ctx context.Context, c *bridge.Call, in bridge.Values) (string, bridge.Values, error) {
	out, err := upgrade(ctx, c, in)
	if err != nil {
		return "", nil, err
	}
	return in.String("namespace") + "/" + in.String("name"), out, nil
}

func (r Release) Update(ctx context.Context, c *bridge.Call, _ string, _, in bridge.Values) (bridge.Values, error) {
	return upgrade(ctx, c, in)
}

func (Release) Delete(ctx context.Context, c *bridge.Call, _ string, olds bridge.Values) error {
	cluster, err := clusterArgs(c, "--kube-context")
	if err != nil {
		return err
	}
	args := append([]string{"uninstall", olds.String("name"), "--namespace", olds.String("namespace"), "--wait",
		"--ignore-not-found"}, cluster...)
	_, err = bridge.Run(ctx, nil, "", "helm", args...)
	return err
}

type helmRelease struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Version   int    `json:"version"`
	Info      struct {
		Status string `json:"status"`
	} `json:"info"`
	Chart struct {
		Metadata struct {
			Name       string `json:"name"`
			Version    string `json:"version"`
			AppVersion string `json:"appVersion"`
		} `json:"metadata"`
	} `json:"chart"`
}

func upgrade(ctx context.Context, c *bridge.Call, in bridge.Values) (bridge.Values, error) {
	name, ns := in.String("name"), in.String("namespace")
	if name == "" || ns == "" {
		return nil, fmt.Errorf("the stand-in Release needs name and namespace set explicitly")
	}
	dir, err := os.MkdirTemp("", "helm-values-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"upgrade", name, in.String("chart"), "--install", "--namespace", ns, "--output", "json"}
	for i, f := range in["valueYamlFiles"].([]any) {
		asset, _ := f.(map[string]any)
		path, _ := asset["path"].(string)
		if path == "" {
			text, _ := asset["text"].(string)
			path = filepath.Join(dir, fmt.Sprintf("file-%d.yaml", i))
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				return nil, err
			}
		}
		args = append(args, "--values", path)
	}
	values, err := json.Marshal(in.Object("values"))
	if err != nil {
		return nil, err
	}
	valuesFile := filepath.Join(dir, "values.json")
	if err := os.WriteFile(valuesFile, values, 0o600); err != nil {
		return nil, err
	}
	args = append(args, "--values", valuesFile)
	if in.Bool("createNamespace", false) {
		args = append(args, "--create-namespace")
	}
	if in.Bool("atomic", false) {
		args = append(args, "--atomic")
	}
	if in.Bool("cleanupOnFail", false) {
		args = append(args, "--cleanup-on-fail")
	}
	if !in.Bool("skipAwait", false) {
		args = append(args, "--wait")
		if in.Bool("waitForJobs", false) {
			args = append(args, "--wait-for-jobs")
		}
	}
	args = append(args, "--timeout", strconv.Itoa(int(in.Number("timeout", 300)))+"s")
	if h := in.Number("maxHistory", 0); h > 0 {
		args = append(args, "--history-max", strconv.Itoa(int(h)))
	}
	cluster, err := clusterArgs(c, "--kube-context")
	if err != nil {
		return nil, err
	}
	c.Status(fmt.Sprintf("helm upgrade --install %s -n %s", name, ns))
	stdout, err := bridge.Run(ctx, nil, "", "helm", append(args, cluster...)...)
	if err != nil {
		return nil, err
	}
	var rel helmRelease
	if err := json.Unmarshal([]byte(stdout), &rel); err != nil {
		return nil, fmt.Errorf("helm printed no release JSON: %w\n%s", err, stdout)
	}
	return bridge.Values{"status": map[string]any{
		"name":       rel.Name,
		"namespace":  rel.Namespace,
		"revision":   float64(rel.Version),
		"status":     rel.Info.Status,
		"chart":      rel.Chart.Metadata.Name,
		"version":    rel.Chart.Metadata.Version,
		"appVersion": rel.Chart.Metadata.AppVersion,
	}}, nil
}
