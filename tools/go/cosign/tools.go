//go:build tools

// Package tools pins cosign (v2: the v3 line changed the transparency-log flags) for scripts/bootstrap-tools.
package tools

import _ "github.com/sigstore/cosign/v2/cmd/cosign"
