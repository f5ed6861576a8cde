// Package config reads the service's settings: a YAML file (--config, else the MIRADOR_RCA_CONFIG environment
// variable, else none) over the defaults, then the environment overrides. The field names are those of the real
// mirador-rca's config (server.address, clients.core.baseURL, cache.addr, ...), so that its chart's `config:` block
// configures this service too. An unknown key, a value of the wrong type or a bad override is an error that names
// the setting, the value and what is expected.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is every setting of the service.
type Config struct {
	Server   Server   `yaml:"server"`
	Clients  Clients  `yaml:"clients"`
	Weaviate Weaviate `yaml:"weaviate"`
	Cache    Cache    `yaml:"cache"`
	Logging  Logging  `yaml:"logging"`
	// Rules is the real service's rule pack (rules.path); this example has no rule engine and ignores it, but
	// accepts the key so that the real chart's config renders a config this service reads.
	Rules Rules `yaml:"rules"`
}

// Rules names the real service's rule pack file.
type Rules struct {
	Path string `yaml:"path"`
}

// Server holds the listeners.
type Server struct {
	// Address is the gRPC listen address (host:port; ":50051" is every interface).
	Address string `yaml:"address"`
	// MetricsAddress is the HTTP listen address of /metrics; empty serves no metrics.
	MetricsAddress string `yaml:"metricsAddress"`
	// GracefulTimeout bounds the graceful stop on SIGTERM.
	GracefulTimeout time.Duration `yaml:"gracefulTimeout"`
}

// Clients holds the upstream services.
type Clients struct {
	Core Core `yaml:"core"`
}

// Core is mirador-core's RCA signal API. An empty BaseURL means no core: the service investigates synthetic signals.
type Core struct {
	BaseURL          string        `yaml:"baseURL"`
	MetricsPath      string        `yaml:"metricsPath"`
	LogsPath         string        `yaml:"logsPath"`
	TracesPath       string        `yaml:"tracesPath"`
	ServiceGraphPath string        `yaml:"serviceGraphPath"`
	Timeout          time.Duration `yaml:"timeout"`
}

// Weaviate is the vector store of past correlations and patterns. Empty or not answering: synthetic answers.
type Weaviate struct {
	Endpoint string        `yaml:"endpoint"`
	APIKey   string        `yaml:"apiKey"`
	Timeout  time.Duration `yaml:"timeout"`
}

// Cache is a Valkey (Redis protocol) server for similar incidents, the service graph and patterns.
type Cache struct {
	// Enabled switches the cache off when false; unset, the cache is used whenever Addr is set.
	Enabled             *bool         `yaml:"enabled"`
	Addr                string        `yaml:"addr"`
	Username            string        `yaml:"username"`
	Password            string        `yaml:"password"`
	DB                  int           `yaml:"db"`
	TLS                 bool          `yaml:"tls"`
	DialTimeout         time.Duration `yaml:"dialTimeout"`
	ReadTimeout         time.Duration `yaml:"readTimeout"`
	WriteTimeout        time.Duration `yaml:"writeTimeout"`
	MaxRetries          int           `yaml:"maxRetries"`
	SimilarIncidentsTTL time.Duration `yaml:"similarIncidentsTTL"`
	ServiceGraphTTL     time.Duration `yaml:"serviceGraphTTL"`
	PatternsTTL         time.Duration `yaml:"patternsTTL"`
}

// On reports whether the service should talk to the cache at all.
func (c Cache) On() bool { return c.Addr != "" && (c.Enabled == nil || *c.Enabled) }

// Logging selects the log format and level.
type Logging struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// JSON writes one JSON object a line instead of key=value text.
	JSON bool `yaml:"json"`
}

// Defaults are the settings without a file or overrides (those of the real service).
func Defaults() Config {
	return Config{
		Server: Server{Address: ":50051", MetricsAddress: ":2112", GracefulTimeout: 10 * time.Second},
		Clients: Clients{Core: Core{
			MetricsPath:      "/api/v1/rca/metrics",
			LogsPath:         "/api/v1/rca/logs",
			TracesPath:       "/api/v1/rca/traces",
			ServiceGraphPath: "/api/v1/rca/service-graph",
			Timeout:          5 * time.Second,
		}},
		Weaviate: Weaviate{Timeout: 5 * time.Second},
		Cache: Cache{
			DialTimeout:         2 * time.Second,
			ReadTimeout:         500 * time.Millisecond,
			WriteTimeout:        500 * time.Millisecond,
			MaxRetries:          2,
			SimilarIncidentsTTL: 2 * time.Minute,
			ServiceGraphTTL:     5 * time.Minute,
			PatternsTTL:         10 * time.Minute,
		},
		Logging: Logging{Level: "info"},
	}
}

// ConfigEnv names the environment variable that gives the config file when --config is not set.
const ConfigEnv = "MIRADOR_RCA_CONFIG"

// Load reads the file at path (or $MIRADOR_RCA_CONFIG when path is empty; neither: the defaults), then applies the
// environment overrides of getenv, and validates the result.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	source := "--config"
	if path == "" {
		path, source = getenv(ConfigEnv), ConfigEnv
	}
	if path != "" {
		data, err := os.ReadFile(path) //nolint:gosec // G304: which file to read is the operator's setting
		if err != nil {
			return cfg, fmt.Errorf("%s=%s: cannot read the config file: %w", source, path, err)
		}
		if err := decode(data, &cfg); err != nil {
			return cfg, fmt.Errorf("%s=%s: %w", source, path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func decode(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("not a valid config (keys and types as in the chart's values.yaml `config:`): %w", err)
	}
	return nil
}

// envOverride is one environment variable and the setting it replaces.
type envOverride struct {
	name    string
	setting string
	apply   func(cfg *Config, v string) error
}

func str(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *dst(c) = v; return nil }
}

func dur(dst func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("is not a duration (expected e.g. 500ms or 2m)")
		}
		*dst(c) = d
		return nil
	}
}

func integer(dst func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("is not an integer")
		}
		*dst(c) = n
		return nil
	}
}

func boolean(dst func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("is not a boolean (expected true or false)")
		}
		dst(c, b)
		return nil
	}
}

// overrides are the environment variables of the real service, in the order they apply.
var overrides = []envOverride{
	{"MIRADOR_RCA_SERVER_ADDRESS", "server.address", str(func(c *Config) *string { return &c.Server.Address })},
	{"MIRADOR_RCA_METRICS_ADDRESS", "server.metricsAddress", str(func(c *Config) *string { return &c.Server.MetricsAddress })},
	{"MIRADOR_CORE_BASE_URL", "clients.core.baseURL", str(func(c *Config) *string { return &c.Clients.Core.BaseURL })},
	{"MIRADOR_CORE_METRICS_PATH", "clients.core.metricsPath", str(func(c *Config) *string { return &c.Clients.Core.MetricsPath })},
	{"MIRADOR_CORE_LOGS_PATH", "clients.core.logsPath", str(func(c *Config) *string { return &c.Clients.Core.LogsPath })},
	{"MIRADOR_CORE_TRACES_PATH", "clients.core.tracesPath", str(func(c *Config) *string { return &c.Clients.Core.TracesPath })},
	{"MIRADOR_CORE_SERVICE_GRAPH_PATH", "clients.core.serviceGraphPath", str(func(c *Config) *string { return &c.Clients.Core.ServiceGraphPath })},
	{"MIRADOR_RCA_WEAVIATE_URL", "weaviate.endpoint", str(func(c *Config) *string { return &c.Weaviate.Endpoint })},
	{"MIRADOR_RCA_WEAVIATE_API_KEY", "weaviate.apiKey", str(func(c *Config) *string { return &c.Weaviate.APIKey })},
	{"MIRADOR_RCA_LOG_LEVEL", "logging.level", str(func(c *Config) *string { return &c.Logging.Level })},
	{"MIRADOR_RCA_LOG_FORMAT", "logging.json", func(c *Config, v string) error {
		switch v {
		case "json":
			c.Logging.JSON = true
		case "text":
			c.Logging.JSON = false
		default:
			return errors.New("is not a log format (expected json or text)")
		}
		return nil
	}},
	{"MIRADOR_RCA_CACHE_ADDR", "cache.addr", str(func(c *Config) *string { return &c.Cache.Addr })},
	{"MIRADOR_RCA_CACHE_ENABLED", "cache.enabled", boolean(func(c *Config, b bool) { c.Cache.Enabled = &b })},
	{"MIRADOR_RCA_CACHE_USERNAME", "cache.username", str(func(c *Config) *string { return &c.Cache.Username })},
	{"MIRADOR_RCA_CACHE_PASSWORD", "cache.password", str(func(c *Config) *string { return &c.Cache.Password })},
	{"MIRADOR_RCA_CACHE_DB", "cache.db", integer(func(c *Config) *int { return &c.Cache.DB })},
	{"MIRADOR_RCA_CACHE_TLS", "cache.tls", boolean(func(c *Config, b bool) { c.Cache.TLS = b })},
	{"MIRADOR_RCA_CACHE_DIAL_TIMEOUT", "cache.dialTimeout", dur(func(c *Config) *time.Duration { return &c.Cache.DialTimeout })},
	{"MIRADOR_RCA_CACHE_READ_TIMEOUT", "cache.readTimeout", dur(func(c *Config) *time.Duration { return &c.Cache.ReadTimeout })},
	{"MIRADOR_RCA_CACHE_WRITE_TIMEOUT", "cache.writeTimeout", dur(func(c *Config) *time.Duration { return &c.Cache.WriteTimeout })},
	{"MIRADOR_RCA_CACHE_MAX_RETRIES", "cache.maxRetries", integer(func(c *Config) *int { return &c.Cache.MaxRetries })},
	{"MIRADOR_RCA_CACHE_SIMILAR_TTL", "cache.similarIncidentsTTL", dur(func(c *Config) *time.Duration { return &c.Cache.SimilarIncidentsTTL })},
	{"MIRADOR_RCA_CACHE_SERVICE_GRAPH_TTL", "cache.serviceGraphTTL", dur(func(c *Config) *time.Duration { return &c.Cache.ServiceGraphTTL })},
	{"MIRADOR_RCA_CACHE_PATTERNS_TTL", "cache.patternsTTL", dur(func(c *Config) *time.Duration { return &c.Cache.PatternsTTL })},
}

// OverrideNames lists the environment variables Load reads besides MIRADOR_RCA_CONFIG (for the docs and tests).
func OverrideNames() []string {
	names := make([]string, len(overrides))
	for i, o := range overrides {
		names[i] = o.name
	}
	return names
}

func applyEnv(cfg *Config, getenv func(string) string) error {
	var problems []string
	for _, o := range overrides {
		v := getenv(o.name)
		if v == "" {
			continue
		}
		if err := o.apply(cfg, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q (%s) %v", o.name, v, o.setting, err))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func (c Config) validate() error {
	var problems []string
	bad := func(setting string, value any, want string) {
		problems = append(problems, fmt.Sprintf("%s %v: %s", setting, value, want))
	}
	if c.Server.Address == "" {
		bad("server.address", `""`, "the gRPC listen address is required (e.g. :50051)")
	}
	positive := map[string]time.Duration{
		"server.gracefulTimeout": c.Server.GracefulTimeout, "clients.core.timeout": c.Clients.Core.Timeout,
		"weaviate.timeout": c.Weaviate.Timeout, "cache.dialTimeout": c.Cache.DialTimeout,
		"cache.readTimeout": c.Cache.ReadTimeout, "cache.writeTimeout": c.Cache.WriteTimeout,
	}
	for _, name := range slices.Sorted(maps.Keys(positive)) {
		if positive[name] <= 0 {
			bad(name, positive[name], "must be a positive duration (e.g. 5s)")
		}
	}
	ttls := map[string]time.Duration{
		"cache.similarIncidentsTTL": c.Cache.SimilarIncidentsTTL, "cache.serviceGraphTTL": c.Cache.ServiceGraphTTL,
		"cache.patternsTTL": c.Cache.PatternsTTL,
	}
	for _, name := range slices.Sorted(maps.Keys(ttls)) {
		if ttls[name] < 0 {
			bad(name, ttls[name], "must be 0 (not cached) or a positive duration")
		}
	}
	if c.Cache.DB < 0 {
		bad("cache.db", c.Cache.DB, "must be 0 or a positive database number")
	}
	if c.Cache.MaxRetries < 0 {
		bad("cache.maxRetries", c.Cache.MaxRetries, "must be 0 or more")
	}
	if base := c.Clients.Core.BaseURL; base != "" && !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		bad("clients.core.baseURL", strconv.Quote(base), "must be an http:// or https:// URL, or empty for synthetic signals")
	}
	if ep := c.Weaviate.Endpoint; ep != "" && !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
		bad("weaviate.endpoint", strconv.Quote(ep), "must be an http:// or https:// URL, or empty for synthetic answers")
	}
	switch c.Logging.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("logging.level", strconv.Quote(c.Logging.Level), "must be debug, info, warn or error")
	}
	if len(problems) > 0 {
		return errors.New("invalid config: " + strings.Join(problems, "; "))
	}
	return nil
}
