//go:build tools

// Package tools pins protoc-gen-go for scripts/bootstrap-tools.
package tools

import _ "google.golang.org/protobuf/cmd/protoc-gen-go"
