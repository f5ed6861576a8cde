package docker

import (
	"os"
	"path/filepath"
	"testing"
)

func TestContextDigestHonoursDockerignore(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".dockerignore", "*\n!bin/mirador-rca\n")
	write("Dockerfile", "FROM scratch\n")
	write("bin/mirador-rca", "binary v1")
	first, err := treeDigest(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	write("bin/rca-load", "another tool")
	write("main.go", "package main")
	if again, _ := treeDigest(dir, filepath.Join(dir, "Dockerfile")); again != first {
		t.Fatal("files that .dockerignore excludes must not change the digest")
	}
	write("bin/mirador-rca", "binary v2")
	if changed, _ := treeDigest(dir, filepath.Join(dir, "Dockerfile")); changed == first {
		t.Fatal("a change of a file in the context must change the digest")
	}
}

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5000/mirador-rca:v0.4.0": "127.0.0.1:5000/mirador-rca",
		"127.0.0.1:5000/mirador-rca":        "127.0.0.1:5000/mirador-rca",
		"ghcr.io/m/r:v1":                    "ghcr.io/m/r",
	} {
		if got := repository(in); got != want {
			t.Errorf("repository(%q) = %q, want %q", in, got, want)
		}
	}
}
