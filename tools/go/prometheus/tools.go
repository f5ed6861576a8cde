//go:build tools

// Package tools pins the Prometheus server and promtool for scripts/bootstrap-tools.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
