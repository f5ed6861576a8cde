// Command rca-engine is mirador-rca: rca.v1.RCAEngine over gRPC (with grpc.health.v1 and server reflection) and
// its Prometheus metrics over HTTP. `make build` puts it in bin/mirador-rca, the file the image runs.
//
//	mirador-rca [--config FILE]   settings from FILE, else $MIRADOR_RCA_CONFIG, else the defaults; then the
//	                              environment overrides (internal/config)
//	mirador-rca --version         print the version and exit
//
// The fault hooks (MIRADOR_FAULT_ERROR_RATIO, MIRADOR_FAULT_LATENCY, MIRADOR_FAULT_STARTUP) are described in
// internal/faults. On start it logs one line with msg "listening" and the bound addresses (grpc, metrics), so that
// a caller that asked for port 0 learns the ports. SIGTERM or SIGINT stop it gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
	"github.com/miradorstack/mirador-rca/internal/config"
	"github.com/miradorstack/mirador-rca/internal/faults"
	"github.com/miradorstack/mirador-rca/internal/history"
	"github.com/miradorstack/mirador-rca/internal/rca"
	"github.com/miradorstack/mirador-rca/internal/server"
	"github.com/miradorstack/mirador-rca/internal/signals"
	"github.com/miradorstack/mirador-rca/internal/telemetry"
)

// version is set at build time (make build reads it from the chart's appVersion).
var version = "dev"

func main() {
	fs := flag.NewFlagSet("mirador-rca", flag.ContinueOnError)
	configPath := fs.String("config", "", "the YAML config file (default $"+config.ConfigEnv+")")
	printVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mirador-rca: unexpected arguments %q (settings are in the config file)\n", fs.Args())
		os.Exit(2)
	}
	if *printVersion {
		fmt.Println("mirador-rca", version)
		return
	}
	cfg, err := config.Load(*configPath, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirador-rca:", err)
		os.Exit(2)
	}
	hooks, err := faults.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirador-rca:", err)
		os.Exit(2)
	}
	logger := newLogger(cfg.Logging)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch hooks.Startup {
	case "crash":
		logger.Error("start-up fault injected: exiting before listening", "fault", "crash")
		os.Exit(1)
	case "hang":
		logger.Warn("start-up fault injected: not listening, never ready", "fault", "hang")
		<-ctx.Done()
		return
	}
	if err := run(ctx, cfg, hooks, logger, nil); err != nil {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func newLogger(l config.Logging) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(l.Level)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if l.JSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// run serves until ctx ends; listening, when not nil, gets the bound addresses once both listen.
func run(ctx context.Context, cfg config.Config, hooks faults.Settings, logger *slog.Logger, listening func(grpcAddr, metricsAddr string)) error {
	logger.Debug("config", "server.address", cfg.Server.Address, "server.metricsAddress", cfg.Server.MetricsAddress,
		"clients.core.baseURL", cfg.Clients.Core.BaseURL, "weaviate.endpoint", cfg.Weaviate.Endpoint,
		"cache.addr", cfg.Cache.Addr, "cache.db", cfg.Cache.DB)
	if cfg.Rules.Path != "" {
		logger.Debug("rules.path is ignored: this service has no rule pack", "rules.path", cfg.Rules.Path)
	}
	store := openCache(ctx, cfg.Cache, logger)
	defer func() { _ = store.Close() }()

	var src signals.Source = signals.Synthetic{}
	if cfg.Clients.Core.BaseURL == "" {
		logger.Warn("clients.core.baseURL is empty: investigations use synthetic signals, not mirador-core's")
	} else {
		c := cfg.Clients.Core
		src = signals.NewCore(c.BaseURL, signals.Paths{
			Metrics: c.MetricsPath, Logs: c.LogsPath, Traces: c.TracesPath, ServiceGraph: c.ServiceGraphPath,
		}, c.Timeout, store, cfg.Cache.ServiceGraphTTL)
	}
	if cfg.Weaviate.Endpoint == "" {
		logger.Info("weaviate.endpoint is empty: similar incidents, patterns and correlations are synthetic")
	}
	hist := history.New(cfg.Weaviate.Endpoint, cfg.Weaviate.APIKey, cfg.Weaviate.Timeout, store,
		history.TTLs{Similar: cfg.Cache.SimilarIncidentsTTL, Patterns: cfg.Cache.PatternsTTL})

	metrics := telemetry.New()
	grpcServer := server.New(server.NewHandlers(rca.New(src, hist, logger), hist), metrics, hooks)

	grpcListener, err := net.Listen("tcp", cfg.Server.Address)
	if err != nil {
		return fmt.Errorf("server.address %s: %w", cfg.Server.Address, err)
	}
	metricsAddr := ""
	var httpServer *http.Server
	errs := make(chan error, 2)
	if cfg.Server.MetricsAddress != "" {
		l, err := net.Listen("tcp", cfg.Server.MetricsAddress)
		if err != nil {
			_ = grpcListener.Close()
			return fmt.Errorf("server.metricsAddress %s: %w", cfg.Server.MetricsAddress, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		httpServer = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 15 * time.Second}
		metricsAddr = l.Addr().String()
		go func() {
			if err := httpServer.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("metrics server: %w", err)
			}
		}()
	}
	if hooks.Active() {
		logger.Warn("fault injection is on: this instance fails or delays requests on purpose", "faults", hooks.String())
	}
	logger.Info("listening", "grpc", grpcListener.Addr().String(), "metrics", metricsAddr, "version", version)
	if listening != nil {
		listening(grpcListener.Addr().String(), metricsAddr)
	}
	go func() { errs <- grpcServer.Serve(grpcListener) }()

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-errs:
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.GracefulTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() { grpcServer.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-stopCtx.Done():
		grpcServer.Stop()
	}
	if httpServer != nil {
		_ = httpServer.Shutdown(stopCtx)
	}
	return runErr
}

// openCache connects to the configured Valkey; none configured, or one that does not answer, gives the no-op
// cache (and one warning): the service works without it, only slower.
func openCache(ctx context.Context, c config.Cache, logger *slog.Logger) cache.Cache {
	if !c.On() {
		logger.Info("no cache: cache.addr is empty or cache.enabled is false")
		return cache.Noop{}
	}
	dialCtx, cancel := context.WithTimeout(ctx, c.DialTimeout*time.Duration(c.MaxRetries+1))
	defer cancel()
	v, err := cache.Dial(dialCtx, cache.Options{
		Addr: c.Addr, Username: c.Username, Password: c.Password, DB: c.DB, TLS: c.TLS,
		DialTimeout: c.DialTimeout, ReadTimeout: c.ReadTimeout, WriteTimeout: c.WriteTimeout, MaxRetries: c.MaxRetries,
	})
	if err != nil {
		logger.Warn("cache unavailable: running without one", "addr", c.Addr, "err", err)
		return cache.Noop{}
	}
	logger.Info("cache connected", "addr", c.Addr, "db", c.DB)
	return v
}
