package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreTheRealServicesDefaults(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Address != ":50051" || cfg.Server.MetricsAddress != ":2112" {
		t.Fatalf("listeners %q %q", cfg.Server.Address, cfg.Server.MetricsAddress)
	}
	if cfg.Clients.Core.BaseURL != "" || cfg.Clients.Core.MetricsPath != "/api/v1/rca/metrics" ||
		cfg.Clients.Core.ServiceGraphPath != "/api/v1/rca/service-graph" {
		t.Fatalf("core %+v", cfg.Clients.Core)
	}
	if cfg.Cache.On() {
		t.Fatal("the cache is on without an address")
	}
	if cfg.Cache.SimilarIncidentsTTL != 2*time.Minute || cfg.Cache.ServiceGraphTTL != 5*time.Minute {
		t.Fatalf("ttls %+v", cfg.Cache)
	}
}

// The config block of the chart's values.yaml, as the chart renders it into the ConfigMap.
const chartConfig = `
server:
  address: ":50051"
  metricsAddress: ":2112"
  gracefulTimeout: 10s
clients:
  core:
    baseURL: "http://mirador-core:8080"
    metricsPath: "/api/v1/rca/metrics"
    logsPath: "/api/v1/rca/logs"
    tracesPath: "/api/v1/rca/traces"
    serviceGraphPath: "/api/v1/rca/service-graph"
    timeout: 5s
weaviate:
  endpoint: "http://weaviate:8080"
  apiKey: ""
  timeout: 3s
cache:
  addr: "valkey:6379"
  username: ""
  db: 1
  tls: false
  similarIncidentsTTL: 2m
  serviceGraphTTL: 5m
logging:
  level: info
  json: true
`

func TestReadsTheChartsConfigFromTheEnvironmentVariable(t *testing.T) {
	p := write(t, chartConfig)
	cfg, err := Load("", env(map[string]string{ConfigEnv: p}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Clients.Core.BaseURL != "http://mirador-core:8080" || cfg.Weaviate.Timeout != 3*time.Second ||
		cfg.Cache.Addr != "valkey:6379" || cfg.Cache.DB != 1 || !cfg.Cache.On() || !cfg.Logging.JSON {
		t.Fatalf("%+v", cfg)
	}
	// Unset keys keep their defaults.
	if cfg.Cache.PatternsTTL != 10*time.Minute || cfg.Cache.ReadTimeout != 500*time.Millisecond {
		t.Fatalf("defaults lost: %+v", cfg.Cache)
	}
}

func TestFlagWinsOverTheEnvironmentVariable(t *testing.T) {
	flagFile := write(t, "server:\n  address: 127.0.0.1:1\n")
	cfg, err := Load(flagFile, env(map[string]string{ConfigEnv: "/does/not/exist"}))
	if err != nil || cfg.Server.Address != "127.0.0.1:1" {
		t.Fatalf("%v %q", err, cfg.Server.Address)
	}
}

func TestEnvironmentOverridesTheFile(t *testing.T) {
	p := write(t, chartConfig)
	cfg, err := Load(p, env(map[string]string{
		"MIRADOR_RCA_CACHE_ADDR": "127.0.0.1:6390", "MIRADOR_RCA_CACHE_DB": "3", "MIRADOR_RCA_CACHE_TLS": "true",
		"MIRADOR_RCA_CACHE_PASSWORD": "pw", "MIRADOR_CORE_BASE_URL": "http://127.0.0.1:9",
		"MIRADOR_RCA_CACHE_SIMILAR_TTL": "30s", "MIRADOR_RCA_LOG_FORMAT": "text", "MIRADOR_RCA_CACHE_ENABLED": "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Cache
	if c.Addr != "127.0.0.1:6390" || c.DB != 3 || !c.TLS || c.Password != "pw" || c.SimilarIncidentsTTL != 30*time.Second {
		t.Fatalf("%+v", c)
	}
	if c.On() {
		t.Fatal("MIRADOR_RCA_CACHE_ENABLED=false left the cache on")
	}
	if cfg.Clients.Core.BaseURL != "http://127.0.0.1:9" || cfg.Logging.JSON {
		t.Fatalf("%+v", cfg)
	}
}

func TestBadInputNamesTheSettingAndTheValue(t *testing.T) {
	cases := []struct {
		name, file string
		env        map[string]string
		want       []string
	}{
		{"unknown key", "server:\n  listen: x\n", nil, []string{"field listen not found"}},
		{"wrong type", "cache:\n  db: one\n", nil, []string{"line 2", "`one` into int"}},
		{"bad duration", "clients:\n  core:\n    timeout: soon\n", nil, []string{"soon"}},
		{"missing file", "", map[string]string{ConfigEnv: "/nope.yaml"}, []string{"MIRADOR_RCA_CONFIG=/nope.yaml", "cannot read"}},
		{"bad env", "", map[string]string{"MIRADOR_RCA_CACHE_DB": "x", "MIRADOR_RCA_CACHE_SERVICE_GRAPH_TTL": "5"},
			[]string{`MIRADOR_RCA_CACHE_DB="x" (cache.db) is not an integer`, `MIRADOR_RCA_CACHE_SERVICE_GRAPH_TTL="5" (cache.serviceGraphTTL) is not a duration`}},
		{"bad url", "clients:\n  core:\n    baseURL: mirador-core:8080\n", nil, []string{"clients.core.baseURL", "http://"}},
		{"bad level", "logging:\n  level: loud\n", nil, []string{`logging.level "loud"`}},
		{"negative ttl", "cache:\n  patternsTTL: -1s\n", nil, []string{"cache.patternsTTL -1s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := ""
			if c.file != "" {
				path = write(t, c.file)
			}
			_, err := Load(path, env(c.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEveryOverrideIsTheRealServicesName(t *testing.T) {
	names := strings.Join(OverrideNames(), " ")
	for _, n := range []string{"MIRADOR_RCA_CACHE_ADDR", "MIRADOR_RCA_CACHE_DB", "MIRADOR_RCA_CACHE_TLS",
		"MIRADOR_RCA_CACHE_USERNAME", "MIRADOR_RCA_CACHE_PASSWORD", "MIRADOR_RCA_WEAVIATE_API_KEY", "MIRADOR_CORE_BASE_URL"} {
		if !strings.Contains(names, n) {
			t.Errorf("%s is not read", n)
		}
	}
}
