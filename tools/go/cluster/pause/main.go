// Command pause is the sandbox ("pause") container of the local cluster's pods: it holds the pod's namespaces and
// does nothing else until it is told to stop. The public pause image cannot be pulled from here, so
// scripts/local-cluster packs this static binary into a one-layer image and imports it into containerd.
// As PID 1 of a pod that shares its PID namespace it also reaps orphaned children, as the upstream pause does.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
