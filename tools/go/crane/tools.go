//go:build tools

// Package tools pins crane for scripts/bootstrap-tools.
package tools

import _ "github.com/google/go-containerregistry/cmd/crane"
