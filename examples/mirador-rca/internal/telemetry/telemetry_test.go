package telemetry

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestSplitMethod(t *testing.T) {
	for in, want := range map[string][2]string{
		"/mirador.rca.v1.RCAService/Investigate": {"mirador.rca.v1.RCAService", "Investigate"},
		"Odd":                                    {"unknown", "Odd"},
	} {
		if s, m := SplitMethod(in); s != want[0] || m != want[1] {
			t.Errorf("SplitMethod(%q) = %q, %q; want %q, %q", in, s, m, want[0], want[1])
		}
	}
}

func TestExpositionHasTheContractSeries(t *testing.T) {
	m := New("canary", "0.4.0", "sha256:abc")
	m.InitializeService(&grpc.ServiceDesc{ServiceName: "svc.S", Methods: []grpc.MethodDesc{{MethodName: "M"}}})
	failing := func(context.Context, any) (any, error) { return nil, status.Error(codes.Unavailable, "down") }
	_, _ = m.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/svc.S/M"}, failing)
	m.CacheHits.Inc()

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="Unavailable",grpc_method="M",grpc_service="svc.S",track="canary"} 1`,
		`grpc_server_handled_total{grpc_code="OK",grpc_method="M",grpc_service="svc.S",track="canary"} 0`,
		`grpc_server_handling_seconds_bucket{grpc_method="M",grpc_service="svc.S",track="canary",le="0.25"} 1`,
		`grpc_server_handling_seconds_count{grpc_method="M",grpc_service="svc.S",track="canary"} 1`,
		`mirador_rca_cache_hits_total{track="canary"} 1`,
		`mirador_rca_cache_misses_total{track="canary"} 0`,
		`mirador_rca_build_info{image_digest="sha256:abc",track="canary",version="0.4.0"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
