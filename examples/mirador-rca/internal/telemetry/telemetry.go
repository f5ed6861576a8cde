// Package telemetry holds the service's Prometheus metrics, the contract that the release's SLOs and its gate read:
//
//	grpc_server_started_total, grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code},
//	grpc_server_msg_received_total, grpc_server_msg_sent_total,
//	grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}   go-grpc-prometheus, every registered method
//	                                                                    initialised at zero
//	mirador_rca_investigations_total{outcome="success"|"error"}          counter; a series appears with its first
//	                                                                    investigation of that outcome
//	mirador_rca_investigation_seconds                                   histogram, buckets 0.25 ... 10
//
// plus the Go runtime and process collectors. No other label: which release or track a series comes from is for
// Prometheus to attach from the pod, not for the service to say.
package telemetry

import (
	"net/http"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
)

// InvestigationBuckets are the bounds of mirador_rca_investigation_seconds, in seconds (the SLO reads le="4").
var InvestigationBuckets = []float64{0.25, 0.5, 1, 2, 3, 4, 5, 6, 8, 10}

// The outcome label's values.
const (
	OutcomeSuccess = "success"
	OutcomeError   = "error"
)

// Metrics is one process's registry and collectors.
type Metrics struct {
	Registry *prometheus.Registry
	GRPC     *grpcprom.ServerMetrics

	investigations *prometheus.CounterVec
	duration       prometheus.Histogram
}

// New registers every collector on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		GRPC:     grpcprom.NewServerMetrics(),
		investigations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mirador_rca_investigations_total",
			Help: "Investigations handled, by outcome (success or error).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mirador_rca_investigation_seconds",
			Help:    "Time to investigate an incident, in seconds.",
			Buckets: InvestigationBuckets,
		}),
	}
	m.GRPC.EnableHandlingTimeHistogram()
	m.Registry.MustRegister(m.GRPC, m.investigations, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveInvestigation counts one investigation and its duration.
func (m *Metrics) ObserveInvestigation(d time.Duration, failed bool) {
	outcome := OutcomeSuccess
	if failed {
		outcome = OutcomeError
	}
	m.investigations.WithLabelValues(outcome).Inc()
	m.duration.Observe(max(d, 0).Seconds())
}

// Initialize creates the gRPC series of every method registered on the server, at zero.
func (m *Metrics) Initialize(s *grpc.Server) { m.GRPC.InitializeMetrics(s) }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
