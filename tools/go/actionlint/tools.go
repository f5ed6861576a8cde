//go:build tools

// Package tools pins the actionlint CLI for scripts/bootstrap-tools.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
