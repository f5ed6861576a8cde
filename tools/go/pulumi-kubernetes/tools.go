//go:build tools

// Package tools pins the official Kubernetes resource plugin (pulumi-resource-kubernetes) for
// scripts/bootstrap-tools. The provider module replaces sdk/v4 with a local path (../sdk) upstream; here the
// published sdk/v4 of the same release is required instead. codegen/schema is what the cmd's own generate.go
// imports (build.sh runs it to make the embedded schema).
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
