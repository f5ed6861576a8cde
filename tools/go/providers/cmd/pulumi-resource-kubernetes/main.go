// Command pulumi-resource-kubernetes is the local stand-in for the kubernetes provider (see ../../README.md).
package main

import (
	"fmt"
	"os"

	"mirador-release/tools/providers/bridge"
	"mirador-release/tools/providers/kubernetes"
)

// version is the @pulumi/kubernetes version that package-lock.json pins (set by -ldflags).
var version = "4.34.2"

func main() {
	if err := bridge.Serve("kubernetes", version, map[string]bridge.Resource{
		"kubernetes:helm.sh/v3:Release": kubernetes.Release{},
		"kubernetes:core/v1:ConfigMap":  kubernetes.ConfigMap{},
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
