//go:build tools

// Package tools pins Traefik (the Gateway API controller of the local data plane) for scripts/bootstrap-tools, and
// with it the Gateway API module whose standard-channel CRDs the local cluster installs.
package tools

import (
	_ "github.com/traefik/traefik/v3/cmd/traefik"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)
