package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// exitUserActionable is the exit code with which @pulumi/pulumi says it already printed an actionable message.
const exitUserActionable = 32

// runtimeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml that this host honours.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseRuntimeOptions(s *structpb.Struct) (runtimeOptions, error) {
	o := runtimeOptions{typescript: true}
	m := s.AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return o, fmt.Errorf("runtime option typescript must be a boolean, got %v", v)
		}
		o.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option tsconfig must be a string, got %v", v)
		}
		o.tsconfig = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option nodeargs must be a string, got %v", v)
		}
		o.nodeargs = strings.Fields(s)
	}
	return o, nil
}

func (o runtimeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// resolveModule asks node where a module resolves from a directory, so the program's own @pulumi/pulumi is used.
func resolveModule(ctx context.Context, node, dir, module string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)) } catch (e) { console.error(e.message); process.exit(1) }",
		module)
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("cannot find %s from %s (is `npm ci` done there?): %s", module, dir,
				strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Run executes the program with @pulumi/pulumi/cmd/run, talking to the engine's resource monitor directly.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	ctx, cancel := h.track(ctx)
	defer cancel()
	info := req.GetInfo()
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH"}, nil
	}
	opts, err := parseRuntimeOptions(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath, err := resolveModule(ctx, node, info.GetProgramDirectory(), "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cfg, err := programConfig(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	secretKeys, _ := json.Marshal(nonNil(req.GetConfigSecretKeys()))

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("root-directory", info.GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	cmd.Env = append(cmd.Env, opts.env()...)
	// Node may switch its stdio to non-blocking mode; wrapping the writers keeps ours blocking.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	interruptOnCancel(cmd)

	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == exitUserActionable {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d",
				ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// programConfig turns engine config keys (ns:name) into the form @pulumi/pulumi reads (ns:config:name).
func programConfig(in map[string]string) (string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("config key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// RunPlugin runs a Node.js plugin. Policy packs (kind "analyzer") run @pulumi/pulumi/cmd/run-policy-pack with the
// stack's configuration, which the engine hands over through the SDK's policy proxy.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx, cancel := h.track(server.Context())
	defer cancel()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	info := req.GetInfo()
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node is not on PATH")
	}
	opts, err := parseRuntimeOptions(info.GetOptions())
	if err != nil {
		return err
	}
	isPolicy := req.GetKind() == "analyzer"
	module := "@pulumi/pulumi/cmd/run-plugin"
	if isPolicy {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := resolveModule(ctx, node, info.GetProgramDirectory(), module)
	if err != nil {
		return err
	}

	env := append(append([]string{}, req.GetEnv()...), opts.env()...)
	args := append(append([]string{}, opts.nodeargs...), runPath)
	var proxy *sdk.PolicyProxy
	if isPolicy {
		// Policy packs take the program directory last.
		args = append(append(args, req.GetArgs()...), info.GetProgramDirectory())
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stackEnv, err := policyStackEnv(ctx, proxy)
		if err != nil {
			return err
		}
		env = append(env, stackEnv...)
	} else {
		args = append(append(args, info.GetProgramDirectory()), req.GetArgs()...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if isPolicy {
		cmd.Dir = info.GetProgramDirectory()
	}
	cmd.Env, cmd.Stdout, cmd.Stderr = env, stdout, stderr
	interruptOnCancel(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("could not attach the policy pack proxy: %w", err)
		}
	} else if err := cmd.Wait(); err != nil {
		return fmt.Errorf("plugin %s exited: %w", req.GetName(), err)
	}
	return closer.Close()
}

// policyStackEnv waits for the engine to configure the policy pack and passes the stack's identity and config on.
func policyStackEnv(ctx context.Context, proxy *sdk.PolicyProxy) ([]string, error) {
	cfg, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return nil, fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
	}
	if cfg == nil {
		return nil, nil
	}
	env := []string{"PULUMI_NODEJS_DRY_RUN=" + strconv.FormatBool(cfg.DryRun)}
	for k, v := range map[string]string{
		"PULUMI_NODEJS_ORGANIZATION": cfg.Organization,
		"PULUMI_NODEJS_PROJECT":      cfg.Project,
		"PULUMI_NODEJS_STACK":        cfg.Stack,
	} {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	if cfg.Config != nil {
		b, err := json.Marshal(cfg.Config)
		if err != nil {
			return nil, err
		}
		env = append(env, "PULUMI_CONFIG="+string(b))
	}
	return env, nil
}

// interruptOnCancel makes a cancelled command get SIGINT first, so @pulumi/pulumi can shut down cleanly.
func interruptOnCancel(cmd *exec.Cmd) {
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 10 * time.Second
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
