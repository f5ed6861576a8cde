//go:build tools

// Package tools pins the helm CLI for scripts/bootstrap-tools.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
