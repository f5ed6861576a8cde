package server

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/miradorstack/mirador-rca/internal/faults"
	rcav1 "github.com/miradorstack/mirador-rca/internal/grpc/generated"
	"github.com/miradorstack/mirador-rca/internal/telemetry"
)

// investigateMethod is the full name of the call the investigation metrics count.
var investigateMethod = "/" + rcav1.RCAEngine_ServiceDesc.ServiceName + "/InvestigateIncident"

// New returns the gRPC server: go-grpc-prometheus outermost (it sees everything, injected faults included), then
// the investigation metrics, then the fault hooks, then the handlers; the health service reports SERVING for ""
// and for rca.v1.RCAEngine; reflection is on (grpcurl needs no proto files). Every method's gRPC series exist at
// zero from the start.
func New(h rcav1.RCAEngineServer, m *telemetry.Metrics, f faults.Settings) *grpc.Server {
	injector := faults.NewInjector(f, rcav1.RCAEngine_ServiceDesc.ServiceName, "InvestigateIncident")
	s := grpc.NewServer(
		grpc.ChainUnaryInterceptor(m.GRPC.UnaryServerInterceptor(), investigations(m), injector.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.GRPC.StreamServerInterceptor()),
	)
	rcav1.RegisterRCAEngineServer(s, h)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(rcav1.RCAEngine_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	reflection.Register(s)
	m.Initialize(s)
	return s
}

// investigations times InvestigateIncident and counts its outcome. A request refused before any work
// (INVALID_ARGUMENT) is no investigation and is not counted; every other failure is outcome="error".
func investigations(m *telemetry.Metrics) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if info.FullMethod != investigateMethod {
			return handler(ctx, req)
		}
		start := time.Now()
		resp, err := handler(ctx, req)
		if status.Code(err) != codes.InvalidArgument {
			m.ObserveInvestigation(time.Since(start), err != nil)
		}
		return resp, err
	}
}
