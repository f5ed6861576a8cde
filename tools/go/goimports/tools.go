//go:build tools

// Package tools pins goimports for scripts/bootstrap-tools.
package tools

import _ "golang.org/x/tools/cmd/goimports"
