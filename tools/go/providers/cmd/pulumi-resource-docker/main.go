// Command pulumi-resource-docker is the local stand-in for the docker provider (see ../../README.md).
package main

import (
	"fmt"
	"os"

	"mirador-release/tools/providers/bridge"
	"mirador-release/tools/providers/docker"
)

// version is the @pulumi/docker version that package-lock.json pins (set by -ldflags).
var version = "4.11.2"

func main() {
	if err := bridge.Serve("docker", version, map[string]bridge.Resource{
		"docker:index/image:Image": docker.Image{},
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
