package main

import (
	"os"
	"path/filepath"
	"testing"
)

func writeManifest(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredPackagesFindsResourcePluginsAtEveryDepth(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	writeManifest(t, filepath.Join(nm, "@pulumi", "command"), `{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)
	writeManifest(t, filepath.Join(nm, "@pulumi", "kubernetes"), `{"name":"@pulumi/kubernetes","version":"4.34.2","pulumi":{"resource":true,"name":"kubernetes","version":"4.34.2"}}`)
	writeManifest(t, filepath.Join(nm, "@pulumi", "pulumi"), `{"name":"@pulumi/pulumi","version":"3.248.0"}`)
	// A package.json deep inside a package is not a package manifest.
	writeManifest(t, filepath.Join(nm, "@pulumi", "command", "local"), `{"name":"x","pulumi":{"resource":true,"name":"bogus","version":"9.9.9"}}`)
	// A nested node_modules (a second version) counts.
	writeManifest(t, filepath.Join(nm, "foo", "node_modules", "@pulumi", "docker"), `{"name":"@pulumi/docker","version":"4.11.2","pulumi":{"resource":true}}`)

	deps, err := requiredPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range deps {
		got = append(got, d.Name+"@"+d.Version+"/"+d.Kind)
	}
	want := []string{"command@v1.2.1/resource", "docker@v4.11.2/resource", "kubernetes@v4.34.2/resource"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestRequiredPackagesWithoutNodeModulesIsEmpty(t *testing.T) {
	deps, err := requiredPackages(t.TempDir())
	if err != nil || len(deps) != 0 {
		t.Fatalf("got %v, %v", deps, err)
	}
}

func TestThirdPartyPackageMustNamePlugin(t *testing.T) {
	if _, err := pluginOf(packageManifest{Name: "@acme/thing", Version: "1.0.0", Pulumi: struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	}{Resource: true}}); err == nil {
		t.Fatal("a third-party package without pulumi.name must be an error")
	}
}

func TestProgramConfigUsesTheLegacyKeyForm(t *testing.T) {
	got, err := programConfig(map[string]string{"mirador-release:version": "0.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got != `{"mirador-release:config:version":"0.4.0"}` {
		t.Fatalf("got %s", got)
	}
}
