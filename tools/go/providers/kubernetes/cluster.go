// Package kubernetes is the stand-in for kubernetes:helm.sh/v3:Release and kubernetes:core/v1:ConfigMap. It hands
// the work to the helm and kubectl CLIs, pointed at the cluster of the provider's config.
package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"mirador-release/tools/providers/bridge"
)

var (
	kubeconfigOnce sync.Once
	kubeconfigFile string
	kubeconfigErr  error
)

// clusterArgs are the --kubeconfig/--kube-context flags for the provider's config. The kubeconfig setting may be
// a path or the file's contents (both are accepted by the official provider); contents go to a private file.
func clusterArgs(c *bridge.Call, contextFlag string) ([]string, error) {
	var args []string
	kubeconfig := c.Config.String("kubeconfig")
	if kubeconfig != "" {
		path := kubeconfig
		if strings.Contains(kubeconfig, "\n") || strings.HasPrefix(strings.TrimSpace(kubeconfig), "{") {
			kubeconfigOnce.Do(func() {
				dir, err := os.MkdirTemp("", "pulumi-kubernetes-")
				if err != nil {
					kubeconfigErr = err
					return
				}
				kubeconfigFile = filepath.Join(dir, "kubeconfig")
				kubeconfigErr = os.WriteFile(kubeconfigFile, []byte(kubeconfig), 0o600)
			})
			if kubeconfigErr != nil {
				return nil, fmt.Errorf("cannot write the provider's kubeconfig: %w", kubeconfigErr)
			}
			path = kubeconfigFile
		}
		args = append(args, "--kubeconfig", path)
	}
	if ctx := c.Config.String("context"); ctx != "" {
		args = append(args, contextFlag, ctx)
	}
	return args, nil
}

// changedAny says whether any of the keys is among the changed ones.
func changedAny(changed []string, keys ...string) []string {
	var out []string
	for _, c := range changed {
		for _, k := range keys {
			if c == k {
				out = append(out, c)
			}
		}
	}
	return out
}
