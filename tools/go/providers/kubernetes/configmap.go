package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"

	"mirador-release/tools/providers/bridge"
)

// ConfigMap implements bridge.Resource for kubernetes:core/v1:ConfigMap with server-side `kubectl apply`.
type ConfigMap struct{}

func (ConfigMap) Check(context.Context, *bridge.Call, bridge.Values) (bridge.Values, error) {
	return nil, nil
}

func (ConfigMap) Computed() []string { return []string{"apiVersion", "kind"} }

// Replaces: a ConfigMap cannot be renamed or moved to another namespace; labels and data change in place.
func (ConfigMap) Replaces(changed []string, olds, news bridge.Values) []string {
	o, n := olds.Object("metadata"), news.Object("metadata")
	if len(changedAny(changed, "metadata")) > 0 &&
		(o.String("name") != n.String("name") || o.String("namespace") != n.String("namespace")) {
		return []string{"metadata"}
	}
	return nil
}

func (m ConfigMap) Create(ctx context.Context, c *bridge.Call, in bridge.Values) (string, bridge.Values, error) {
	if err := apply(ctx, c, in); err != nil {
		return "", nil, err
	}
	meta := in.Object("metadata")
	return meta.String("namespace") + "/" + meta.String("name"), bridge.Values{"apiVersion": "v1", "kind": "ConfigMap"}, nil
}

func (m ConfigMap) Update(ctx context.Context, c *bridge.Call, _ string, olds, in bridge.Values) (bridge.Values, error) {
	o, n := olds.Object("metadata"), in.Object("metadata")
	if o.String("name") != n.String("name") || o.String("namespace") != n.String("namespace") {
		return nil, fmt.Errorf("a ConfigMap cannot move from %s/%s to %s/%s in place", o.String("namespace"),
			o.String("name"), n.String("namespace"), n.String("name"))
	}
	if err := apply(ctx, c, in); err != nil {
		return nil, err
	}
	return bridge.Values{"apiVersion": "v1", "kind": "ConfigMap"}, nil
}

func (ConfigMap) Delete(ctx context.Context, c *bridge.Call, _ string, olds bridge.Values) error {
	meta := olds.Object("metadata")
	cluster, err := clusterArgs(c, "--context")
	if err != nil {
		return err
	}
	args := append([]string{"delete", "configmap", meta.String("name"), "--namespace", meta.String("namespace"),
		"--ignore-not-found"}, cluster...)
	_, err = bridge.Run(ctx, nil, "", "kubectl", args...)
	return err
}

func apply(ctx context.Context, c *bridge.Call, in bridge.Values) error {
	meta := in.Object("metadata")
	if meta.String("name") == "" {
		return fmt.Errorf("the stand-in ConfigMap needs metadata.name set explicitly")
	}
	manifest, err := json.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any(meta),
		"data":       in.StringMap("data"),
	})
	if err != nil {
		return err
	}
	cluster, err := clusterArgs(c, "--context")
	if err != nil {
		return err
	}
	args := append([]string{"apply", "--server-side", "--force-conflicts", "--field-manager", "pulumi-kubernetes",
		"--filename", "-"}, cluster...)
	_, err = bridge.Run(ctx, nil, string(manifest), "kubectl", args...)
	return err
}
