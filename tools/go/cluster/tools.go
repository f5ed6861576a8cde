//go:build tools

// Package tools pins the local cluster of scripts/local-cluster: kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl and the kubelet of the node that runs containers from k8s.io/kubernetes, and the etcd server
// that this Kubernetes release requires in its own go.mod. They are one module so that the packages they share
// (client-go, the API types, grpc, the etcd client) compile once, at one version. ./pause is the node's sandbox.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
