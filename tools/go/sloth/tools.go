//go:build tools

// Package tools pins the sloth CLI for scripts/bootstrap-tools.
package tools

import _ "github.com/slok/sloth/cmd/sloth"
