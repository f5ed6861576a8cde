//go:build tools

// Package tools pins grpcurl for scripts/bootstrap-tools.
package tools

import _ "github.com/fullstorydev/grpcurl/cmd/grpcurl"
