//go:build tools

// Package tools pins the container runtime of the local cluster's node (scripts/local-cluster): containerd 2.x, its
// runc shim and ctr (the pause image import and the clean stop of containers at `down`). Kubernetes 1.36 and later
// support containerd 2.x only; Debian bookworm has 1.6.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
