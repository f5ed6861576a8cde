// Package docker is the stand-in for docker:index/image:Image: `docker build` of the context, `docker push`,
// and the repo digest the registry answered with.
package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"mirador-release/tools/providers/bridge"
)

// Image implements bridge.Resource.
type Image struct{}

func (Image) Computed() []string { return []string{"repoDigest", "baseImageName", "registryServer"} }

// Check adds contextDigest, a digest of every file in the build context and of the Dockerfile, so that a change
// of the sources rebuilds the image even when no input string changed.
func (Image) Check(_ context.Context, _ *bridge.Call, in bridge.Values) (bridge.Values, error) {
	build := in.Object("build")
	dir := build.String("context")
	if dir == "" {
		dir = "."
	}
	dockerfile := build.String("dockerfile")
	if dockerfile == "" {
		dockerfile = filepath.Join(dir, "Dockerfile")
	}
	digest, err := treeDigest(dir, dockerfile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the build context %s: %w", dir, err)
	}
	return bridge.Values{"contextDigest": digest}, nil
}

// Replaces: a new image name is a new image; everything else rebuilds and pushes in place.
func (Image) Replaces(changed []string, _, _ bridge.Values) []string {
	for _, k := range changed {
		if k == "imageName" {
			return []string{k}
		}
	}
	return nil
}

func (i Image) Create(ctx context.Context, c *bridge.Call, in bridge.Values) (string, bridge.Values, error) {
	out, err := buildAndPush(ctx, c, in)
	if err != nil {
		return "", nil, err
	}
	return in.String("imageName"), out, nil
}

func (i Image) Update(ctx context.Context, c *bridge.Call, _ string, _, in bridge.Values) (bridge.Values, error) {
	return buildAndPush(ctx, c, in)
}

// Delete leaves the pushed image in the registry, as the official provider does.
func (Image) Delete(context.Context, *bridge.Call, string, bridge.Values) error { return nil }

var pushedDigest = regexp.MustCompile(`digest: (sha256:[a-f0-9]{64})`)

func buildAndPush(ctx context.Context, c *bridge.Call, in bridge.Values) (bridge.Values, error) {
	name := in.String("imageName")
	build := in.Object("build")
	args := []string{"build", "--tag", name}
	if f := build.String("dockerfile"); f != "" {
		args = append(args, "--file", f)
	}
	if p := build.String("platform"); p != "" {
		args = append(args, "--platform", p)
	}
	if n := build.String("network"); n != "" {
		args = append(args, "--network", n)
	}
	if t := build.String("target"); t != "" {
		args = append(args, "--target", t)
	}
	for k, v := range build.StringMap("args") {
		args = append(args, "--build-arg", k+"="+v)
	}
	dir := build.String("context")
	if dir == "" {
		dir = "."
	}
	c.Status("docker build " + name)
	if _, err := bridge.Run(ctx, nil, "", "docker", append(args, dir)...); err != nil {
		return nil, err
	}
	repo := repository(name)
	out := bridge.Values{"baseImageName": name, "registryServer": strings.Split(repo, "/")[0], "repoDigest": ""}
	if in.Bool("skipPush", false) {
		return out, nil
	}
	if reg := in.Object("registry"); reg.String("username") != "" {
		server := reg.String("server")
		if _, err := bridge.Run(ctx, nil, reg.String("password"), "docker", "login", server,
			"--username", reg.String("username"), "--password-stdin"); err != nil {
			return nil, err
		}
	}
	c.Status("docker push " + name)
	pushed, err := bridge.Run(ctx, nil, "", "docker", "push", name)
	if err != nil {
		return nil, err
	}
	m := pushedDigest.FindStringSubmatch(pushed)
	if m == nil {
		return nil, fmt.Errorf("docker push %s printed no digest:\n%s", name, pushed)
	}
	out["repoDigest"] = repo + "@" + m[1]
	return out, nil
}

// repository strips the tag from an image name (the registry host may carry a port).
func repository(name string) string {
	slash := strings.LastIndex(name, "/")
	if colon := strings.LastIndex(name, ":"); colon > slash {
		return name[:colon]
	}
	return name
}

// treeDigest hashes the files docker would send as the build context (honouring .dockerignore) and the Dockerfile.
func treeDigest(dir, dockerfile string) (string, error) {
	ignore, err := readDockerignore(dir)
	if err != nil {
		return "", err
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type().IsRegular() && !ignore.excludes(filepath.ToSlash(rel)) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	files = append(files, dockerfile)
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, f)
		_, _ = io.WriteString(h, rel+"\x00")
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

type ignoreRule struct {
	pattern string
	negate  bool
}

type dockerignore []ignoreRule

func readDockerignore(dir string) (dockerignore, error) {
	b, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rules dockerignore
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule := ignoreRule{}
		if strings.HasPrefix(line, "!") {
			rule.negate, line = true, strings.TrimSpace(line[1:])
		}
		rule.pattern = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		rules = append(rules, rule)
	}
	return rules, nil
}

// excludes applies the rules in order, the last match wins (docker's semantics); a pattern that matches a
// directory matches everything below it.
func (d dockerignore) excludes(rel string) bool {
	excluded := false
	for _, r := range d {
		if matches(r.pattern, rel) {
			excluded = !r.negate
		}
	}
	return excluded
}

func matches(pattern, rel string) bool {
	for p := rel; p != "." && p != ""; p = filepath.ToSlash(filepath.Dir(p)) {
		if ok, _ := filepath.Match(pattern, p); ok {
			return true
		}
	}
	return false
}
