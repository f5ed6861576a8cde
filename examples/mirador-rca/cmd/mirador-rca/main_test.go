package main

import (
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestParseConfigFlagsAndEnvironment(t *testing.T) {
	cfg, err := parseConfig([]string{"--grpc-addr=127.0.0.1:0", "--track=canary", "--cache-size=5", "--fault-latency=20ms"},
		env(map[string]string{"MIRADOR_IMAGE_DIGEST": "sha256:abc", "MIRADOR_VERSION": "0.4.0", "MIRADOR_FAULT_ERROR_RATIO": "0.5", "MIRADOR_FAULT_LATENCY": "1s"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.grpcAddr != "127.0.0.1:0" || cfg.metricsAddr != ":9090" || cfg.track != "canary" || cfg.cacheSize != 5 ||
		cfg.imageDigest != "sha256:abc" || cfg.version != "0.4.0" || cfg.faultErrorRatio != 0.5 || cfg.faultLatency != 20*time.Millisecond {
		t.Fatalf("unexpected config %+v (flags override the environment)", cfg)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.track != "stable" || cfg.cacheSize != 1024 || cfg.imageDigest != "unknown" || cfg.version != version {
		t.Fatalf("unexpected defaults %+v", cfg)
	}
}

func TestParseConfigRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"bad track":       {[]string{"--track=Canary!"}, nil},
		"negative cache":  {[]string{"--cache-size=-1"}, nil},
		"stray argument":  {[]string{"serve"}, nil},
		"bad ratio env":   {nil, map[string]string{"MIRADOR_FAULT_ERROR_RATIO": "lots"}},
		"bad latency":     {nil, map[string]string{"MIRADOR_FAULT_LATENCY": "soon"}},
		"bad startup":     {[]string{"--fault-startup=sometimes"}, nil},
		"bad startup env": {nil, map[string]string{"MIRADOR_FAULT_STARTUP": "explode"}},
	} {
		if _, err := parseConfig(tc.args, env(tc.env)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseConfigStartupFault(t *testing.T) {
	cfg, err := parseConfig(nil, env(map[string]string{"MIRADOR_FAULT_STARTUP": "crash"}))
	if err != nil || cfg.faultStartup != "crash" {
		t.Fatalf("MIRADOR_FAULT_STARTUP=crash: %+v, %v", cfg, err)
	}
	cfg, err = parseConfig([]string{"--fault-startup=hang"}, env(map[string]string{"MIRADOR_FAULT_STARTUP": "crash"}))
	if err != nil || cfg.faultStartup != "hang" {
		t.Fatalf("the flag overrides the environment: %+v, %v", cfg, err)
	}
}
