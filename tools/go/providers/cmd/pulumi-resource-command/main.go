// Command pulumi-resource-command is the local stand-in for the command provider (see ../../README.md).
package main

import (
	"fmt"
	"os"

	"mirador-release/tools/providers/bridge"
	"mirador-release/tools/providers/command"
)

// version is the @pulumi/command version that package-lock.json pins (set by -ldflags).
var version = "1.2.1"

func main() {
	if err := bridge.Serve("command", version, map[string]bridge.Resource{
		"command:local:Command": command.Command{},
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
