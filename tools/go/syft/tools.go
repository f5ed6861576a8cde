//go:build tools

// Package tools pins syft (SBOMs of the release image, SPDX JSON, for `cosign attest`) for scripts/bootstrap-tools.
package tools

import _ "github.com/anchore/syft/cmd/syft"
