// Package telemetry holds the Prometheus metrics of mirador-rca. Their names and labels are a contract: the
// release's SLO rules, its promotion gate and its dashboards query them exactly as they are here.
//
//	grpc_server_handled_total{grpc_service, grpc_method, grpc_code, track}          counter
//	grpc_server_handling_seconds{grpc_service, grpc_method, track}                  histogram (_bucket{le}, _sum, _count)
//	mirador_rca_cache_hits_total{track}, mirador_rca_cache_misses_total{track}      counters
//	mirador_rca_build_info{track, version, image_digest}                            gauge, always 1
//
// track is constant per process ("stable" or "canary"), so a canary's series never mix with the stable ones.
package telemetry

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Buckets of the handling-time histogram, in seconds: fine enough around the latency objectives (100ms-1s).
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// allCodes are the gRPC status codes, in numeric order, whose counters start at zero for every method.
var allCodes = []codes.Code{
	codes.OK, codes.Canceled, codes.Unknown, codes.InvalidArgument, codes.DeadlineExceeded, codes.NotFound,
	codes.AlreadyExists, codes.PermissionDenied, codes.ResourceExhausted, codes.FailedPrecondition, codes.Aborted,
	codes.OutOfRange, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss, codes.Unauthenticated,
}

// Metrics is the registry of one process and the collectors the service updates.
type Metrics struct {
	Registry *prometheus.Registry
	// CacheHits and CacheMisses count investigation cache lookups.
	CacheHits   prometheus.Counter
	CacheMisses prometheus.Counter

	handled  *prometheus.CounterVec
	handling *prometheus.HistogramVec
}

// New registers the service's metrics, with the Go runtime and process collectors, on a fresh registry.
func New(track, version, imageDigest string) *Metrics {
	reg := prometheus.NewRegistry()
	constLabels := prometheus.Labels{"track": track}
	m := &Metrics{
		Registry: reg,
		CacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mirador_rca_cache_hits_total", Help: "Investigations answered from the in-process cache.",
			ConstLabels: constLabels,
		}),
		CacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mirador_rca_cache_misses_total", Help: "Investigations computed because the cache did not hold them.",
			ConstLabels: constLabels,
		}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_server_handled_total", Help: "RPCs completed on the server, by status code.",
			ConstLabels: constLabels,
		}, []string{"grpc_service", "grpc_method", "grpc_code"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "grpc_server_handling_seconds", Help: "Time to handle an RPC on the server, in seconds.",
			ConstLabels: constLabels, Buckets: Buckets,
		}, []string{"grpc_service", "grpc_method"}),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mirador_rca_build_info", Help: "Always 1; its labels say which build and image this process runs.",
		ConstLabels: prometheus.Labels{"track": track, "version": version, "image_digest": imageDigest},
	})
	buildInfo.Set(1)
	reg.MustRegister(m.CacheHits, m.CacheMisses, m.handled, m.handling, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// InitializeService creates the series of every method of a service at zero (every code for the counter), so
// that rate() and error-ratio queries have a series to work on before the first error happens.
func (m *Metrics) InitializeService(desc *grpc.ServiceDesc) {
	for _, method := range desc.Methods {
		for _, code := range allCodes {
			m.handled.WithLabelValues(desc.ServiceName, method.MethodName, code.String())
		}
		m.handling.WithLabelValues(desc.ServiceName, method.MethodName)
	}
}

// UnaryServerInterceptor counts and times every unary RPC. It must be the outermost interceptor.
func (m *Metrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		service, method := SplitMethod(info.FullMethod)
		m.handled.WithLabelValues(service, method, status.Code(err).String()).Inc()
		m.handling.WithLabelValues(service, method).Observe(time.Since(start).Seconds())
		return resp, err
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// SplitMethod splits "/pkg.Service/Method" into "pkg.Service" and "Method".
func SplitMethod(fullMethod string) (service, method string) {
	trimmed := strings.TrimPrefix(fullMethod, "/")
	if i := strings.LastIndex(trimmed, "/"); i >= 0 {
		return trimmed[:i], trimmed[i+1:]
	}
	return "unknown", trimmed
}
