//go:build tools

// Package tools pins govulncheck for scripts/bootstrap-tools.
package tools

import _ "golang.org/x/vuln/cmd/govulncheck"
