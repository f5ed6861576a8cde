//go:build tools

// Package tools pins protoc-gen-go-grpc for scripts/bootstrap-tools.
package tools

import _ "google.golang.org/grpc/cmd/protoc-gen-go-grpc"
