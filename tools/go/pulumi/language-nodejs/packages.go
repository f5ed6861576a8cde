package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageManifest is the part of a package.json that says whether a package needs a resource plugin.
type packageManifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// requiredPackages walks node_modules below the program directory (nested node_modules included) and returns one
// entry per distinct plugin name and version.
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	root := filepath.Join(programDir, "node_modules")
	seen := map[string]*pulumirpc.PackageDependency{}
	var errs []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipAll
			}
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || d.Name() != "package.json" || !isPackageRoot(root, path) {
			return nil
		}
		var m packageManifest
		if err := readJSON(path, &m); err != nil {
			errs = append(errs, err)
			return nil
		}
		dep, err := pluginOf(m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return nil
		}
		if dep != nil {
			seen[dep.Name+"@"+dep.Version] = dep
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.PackageDependency, 0, len(seen))
	for _, d := range seen {
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name+deps[i].Version < deps[j].Name+deps[j].Version })
	if len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: while listing plugins: %v\n", errors.Join(errs...))
	}
	return deps, nil
}

// isPackageRoot says whether a package.json is the manifest of a package directly under a node_modules folder
// (node_modules/x/package.json or node_modules/@scope/x/package.json), not a file deeper inside a package.
func isPackageRoot(root, manifest string) bool {
	rel, err := filepath.Rel(root, filepath.Dir(manifest))
	if err != nil {
		return false
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	// Strip nested node_modules prefixes: a/node_modules/b → b.
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "node_modules" {
			parts = parts[i+1:]
			break
		}
	}
	switch len(parts) {
	case 1:
		return !strings.HasPrefix(parts[0], "@") && parts[0] != "."
	case 2:
		return strings.HasPrefix(parts[0], "@")
	}
	return false
}

// pluginOf returns the resource plugin a package declares, or nil when it declares none.
func pluginOf(m packageManifest) (*pulumirpc.PackageDependency, error) {
	if !m.Pulumi.Resource {
		return nil, nil
	}
	name := m.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(m.Name, "@pulumi/") {
			return nil, fmt.Errorf("package %q declares a resource plugin but no pulumi.name", m.Name)
		}
		name = strings.TrimPrefix(m.Name, "@pulumi/")
	}
	v := m.Pulumi.Version
	if v == "" {
		v = m.Version
	}
	if v == "" {
		return nil, fmt.Errorf("package %q declares a resource plugin without a version", m.Name)
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: v, Server: m.Pulumi.Server}, nil
}
