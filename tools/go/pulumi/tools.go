//go:build tools

// Package tools pins the Pulumi CLI (engine) for scripts/bootstrap-tools. pkg/v3 replaces sdk/v3 with a local
// path upstream; here both are required at the same published version, and the clipboard replace is repeated.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
