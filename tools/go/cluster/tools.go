//go:build tools

// Package tools pins the local cluster of scripts/local-cluster: kube-apiserver, kube-controller-manager,
// kube-scheduler (kwok fakes nodes and pods but schedules nothing) and kubectl from k8s.io/kubernetes, the etcd
// server that this Kubernetes release requires in its own go.mod, and kwok for fake nodes and pods. They are one
// module so that the packages they share (client-go, the API types, grpc, the etcd client) compile once, at one
// version.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
