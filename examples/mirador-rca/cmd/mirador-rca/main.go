// Command mirador-rca serves mirador.rca.v1.RCAService over gRPC (with server reflection, so grpcurl needs no
// proto files) and its Prometheus metrics over HTTP on a separate address.
//
// Flags (the chart passes the first four):
//
//	--grpc-addr          gRPC listen address (default :50051)
//	--metrics-addr       HTTP listen address of /metrics and /healthz (default :9090)
//	--track              "stable" or "canary": the track label of every metric (default stable)
//	--cache-size         entries in the investigation cache, 0 disables it (default 1024)
//	--fault-error-ratio  test hook: share of RCAService calls failed with UNAVAILABLE, 0..1 (env MIRADOR_FAULT_ERROR_RATIO)
//	--fault-latency      test hook: delay added to every RCAService call, e.g. 300ms (env MIRADOR_FAULT_LATENCY)
//	--fault-startup      test hook: "crash" exits 1 before listening, "hang" never listens (never Ready); env
//	                     MIRADOR_FAULT_STARTUP. A release's readiness wait and rollback are rehearsed with it.
//	--version            print the version and exit
//
// Environment: MIRADOR_IMAGE_DIGEST (the image_digest label of mirador_rca_build_info, default "unknown") and
// MIRADOR_VERSION (overrides the version built in with -ldflags "-X main.version=...").
//
// On start it logs one JSON line with msg "listening" and the bound addresses, so that a caller that passed port
// 0 learns the ports. SIGTERM or SIGINT stop it gracefully.
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
	"regexp"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"

	rcav1 "github.com/miradorstack/mirador-rca/gen/mirador/rca/v1"
	"github.com/miradorstack/mirador-rca/internal/faults"
	"github.com/miradorstack/mirador-rca/internal/rca"
	"github.com/miradorstack/mirador-rca/internal/telemetry"
)

// version is set at build time (make build reads it from the chart's appVersion).
var version = "dev"

var trackPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

type config struct {
	grpcAddr, metricsAddr, track, version, imageDigest string
	cacheSize                                          int
	faultErrorRatio                                    float64
	faultLatency                                       time.Duration
	faultStartup                                       string
	printVersion                                       bool
}

func parseConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{version: version, imageDigest: "unknown"}
	if v := getenv("MIRADOR_VERSION"); v != "" {
		cfg.version = v
	}
	if d := getenv("MIRADOR_IMAGE_DIGEST"); d != "" {
		cfg.imageDigest = d
	}
	var err error
	if v := getenv("MIRADOR_FAULT_ERROR_RATIO"); v != "" {
		if cfg.faultErrorRatio, err = strconv.ParseFloat(v, 64); err != nil {
			return cfg, fmt.Errorf("MIRADOR_FAULT_ERROR_RATIO=%q is not a number (expected 0 to 1, e.g. 0.2)", v)
		}
	}
	if v := getenv("MIRADOR_FAULT_LATENCY"); v != "" {
		if cfg.faultLatency, err = time.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("MIRADOR_FAULT_LATENCY=%q is not a duration (expected e.g. 300ms)", v)
		}
	}
	fs := flag.NewFlagSet("mirador-rca", flag.ContinueOnError)
	fs.StringVar(&cfg.grpcAddr, "grpc-addr", ":50051", "gRPC listen address")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", ":9090", "HTTP listen address of /metrics and /healthz")
	fs.StringVar(&cfg.track, "track", "stable", `release track ("stable" or "canary"), the track label of every metric`)
	fs.IntVar(&cfg.cacheSize, "cache-size", 1024, "entries in the investigation cache (0 disables it)")
	fs.Float64Var(&cfg.faultErrorRatio, "fault-error-ratio", cfg.faultErrorRatio,
		"test hook: share of RCAService calls failed with UNAVAILABLE, 0 to 1 (env MIRADOR_FAULT_ERROR_RATIO)")
	fs.DurationVar(&cfg.faultLatency, "fault-latency", cfg.faultLatency,
		"test hook: delay added to every RCAService call (env MIRADOR_FAULT_LATENCY)")
	fs.StringVar(&cfg.faultStartup, "fault-startup", getenv("MIRADOR_FAULT_STARTUP"),
		`test hook: "crash" exits 1 before listening, "hang" never listens (env MIRADOR_FAULT_STARTUP)`)
	fs.BoolVar(&cfg.printVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q (all settings are flags)", fs.Args())
	}
	if !trackPattern.MatchString(cfg.track) {
		return cfg, fmt.Errorf("--track=%q is not a track name (expected lower-case letters, digits and dashes, e.g. canary)", cfg.track)
	}
	if cfg.cacheSize < 0 {
		return cfg, fmt.Errorf("--cache-size=%d is negative (0 disables the cache)", cfg.cacheSize)
	}
	switch cfg.faultStartup {
	case "", "crash", "hang":
	default:
		return cfg, fmt.Errorf("--fault-startup=%q is not a start-up fault (expected crash, hang or empty)", cfg.faultStartup)
	}
	return cfg, nil
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirador-rca:", err)
		os.Exit(2)
	}
	if cfg.printVersion {
		fmt.Println("mirador-rca", cfg.version)
		return
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("track", cfg.track)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if startupFault(ctx, cfg.faultStartup, logger) {
		stop()
		os.Exit(1)
	}
	if err := run(ctx, cfg, logger); err != nil {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}

// startupFault applies the --fault-startup test hook before anything listens: "crash" reports true (the caller exits
// 1), "hang" blocks until the context ends and reports false after logging that it never listened.
func startupFault(ctx context.Context, fault string, logger *slog.Logger) bool {
	switch fault {
	case "crash":
		logger.Error("start-up fault injected: exiting before listening", "fault", "crash")
		return true
	case "hang":
		logger.Warn("start-up fault injected: not listening, never ready", "fault", "hang")
		<-ctx.Done()
		os.Exit(0)
	}
	return false
}

func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	injector, err := faults.New(rcav1.RCAService_ServiceDesc.ServiceName, cfg.faultErrorRatio, cfg.faultLatency)
	if err != nil {
		return err
	}
	metrics := telemetry.New(cfg.track, cfg.version, cfg.imageDigest)
	metrics.InitializeService(&rcav1.RCAService_ServiceDesc)

	grpcServer := grpc.NewServer(grpc.ChainUnaryInterceptor(
		metrics.UnaryServerInterceptor(), // outermost: it sees injected errors and latency
		injector.UnaryServerInterceptor(),
	))
	rcav1.RegisterRCAServiceServer(grpcServer,
		rca.NewServer(cfg.track, cfg.version, cfg.cacheSize, metrics.CacheHits, metrics.CacheMisses))
	reflection.Register(grpcServer)

	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprintln(w, "ok") })
	httpServer := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	grpcListener, err := net.Listen("tcp", cfg.grpcAddr)
	if err != nil {
		return fmt.Errorf("--grpc-addr: %w", err)
	}
	metricsListener, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		_ = grpcListener.Close()
		return fmt.Errorf("--metrics-addr: %w", err)
	}
	if injector.Active() {
		logger.Warn("fault injection is on: this instance fails or delays requests on purpose", "faults", injector.String())
	}
	logger.Info("listening", "grpc", grpcListener.Addr().String(), "metrics", metricsListener.Addr().String(),
		"version", cfg.version, "image_digest", cfg.imageDigest, "cache_size", cfg.cacheSize)

	errs := make(chan error, 2)
	go func() { errs <- grpcServer.Serve(grpcListener) }()
	go func() {
		if err := httpServer.Serve(metricsListener); !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-errs:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopped := make(chan struct{})
	go func() { grpcServer.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-shutdownCtx.Done():
		grpcServer.Stop()
	}
	_ = httpServer.Shutdown(shutdownCtx)
	return runErr
}
