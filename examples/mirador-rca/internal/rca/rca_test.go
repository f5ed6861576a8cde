package rca

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	rcav1 "github.com/miradorstack/mirador-rca/gen/mirador/rca/v1"
	"github.com/miradorstack/mirador-rca/internal/telemetry"
)

// dial serves a Server over an in-memory connection with the real metrics interceptor.
func dial(t *testing.T, cacheSize int) (rcav1.RCAServiceClient, *telemetry.Metrics) {
	t.Helper()
	metrics := telemetry.New("canary", "0.4.0", "sha256:"+strings.Repeat("a", 64))
	metrics.InitializeService(&rcav1.RCAService_ServiceDesc)
	srv := grpc.NewServer(grpc.UnaryInterceptor(metrics.UnaryServerInterceptor()))
	rcav1.RegisterRCAServiceServer(srv, NewServer("canary", "0.4.0", cacheSize, metrics.CacheHits, metrics.CacheMisses))
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return rcav1.NewRCAServiceClient(conn), metrics
}

var investigation = &rcav1.InvestigateRequest{
	IncidentId: "INC-1042",
	Symptoms:   []string{"checkout p99 latency above 2s", "payments 5xx errors"},
	StartUnix:  1758520800,
	EndUnix:    1758524400,
}

func TestInvestigateIsCachedAndCounted(t *testing.T) {
	client, metrics := dial(t, 8)
	ctx := context.Background()
	first, err := client.Investigate(ctx, investigation)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetCached() || len(first.GetRootCauses()) != 2 || first.GetTrack() != "canary" || first.GetVersion() != "0.4.0" {
		t.Fatalf("first answer: %v", first)
	}
	if got := first.GetRootCauses(); got[0].GetConfidence() < got[1].GetConfidence() {
		t.Fatalf("root causes not ranked: %v", got)
	}
	second, err := client.Investigate(ctx, investigation)
	if err != nil {
		t.Fatal(err)
	}
	if !second.GetCached() || second.GetInvestigationId() != first.GetInvestigationId() {
		t.Fatalf("second answer should be the cached first one: %v", second)
	}
	if h, m := testutil.ToFloat64(metrics.CacheHits), testutil.ToFloat64(metrics.CacheMisses); h != 1 || m != 1 {
		t.Fatalf("cache hits %v, misses %v; want 1 and 1", h, m)
	}
	want := `
# HELP grpc_server_handled_total RPCs completed on the server, by status code.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="Investigate",grpc_service="mirador.rca.v1.RCAService",track="canary"} 2
`
	if err := testutil.GatherAndCompare(onlyOK(metrics.Registry, "Investigate"), strings.NewReader(want), "grpc_server_handled_total"); err != nil {
		t.Fatal(err)
	}
}

func TestInvestigateRejectsBadRequests(t *testing.T) {
	client, _ := dial(t, 8)
	for name, req := range map[string]*rcav1.InvestigateRequest{
		"no incident":     {Symptoms: []string{"x"}},
		"no symptoms":     {IncidentId: "INC-1"},
		"window reversed": {IncidentId: "INC-1", Symptoms: []string{"x"}, StartUnix: 10, EndUnix: 5},
	} {
		if _, err := client.Investigate(context.Background(), req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: code %v, want InvalidArgument", name, status.Code(err))
		}
	}
}

func TestCacheSizeZeroAlwaysMisses(t *testing.T) {
	client, metrics := dial(t, 0)
	for i := 0; i < 2; i++ {
		resp, err := client.Investigate(context.Background(), investigation)
		if err != nil || resp.GetCached() {
			t.Fatalf("call %d: %v, cached=%v", i, err, resp.GetCached())
		}
	}
	if m := testutil.ToFloat64(metrics.CacheMisses); m != 2 {
		t.Fatalf("misses %v, want 2", m)
	}
}

func TestGetPatterns(t *testing.T) {
	client, _ := dial(t, 8)
	all, err := client.GetPatterns(context.Background(), &rcav1.GetPatternsRequest{})
	if err != nil || len(all.GetPatterns()) != len(patterns) {
		t.Fatalf("all patterns: %v, %v", all, err)
	}
	checkout, err := client.GetPatterns(context.Background(), &rcav1.GetPatternsRequest{Service: "checkout", Limit: 1})
	if err != nil || len(checkout.GetPatterns()) != 1 || checkout.GetPatterns()[0].GetId() != "PAT-001" {
		t.Fatalf("checkout patterns: %v, %v", checkout, err)
	}
	if _, err := client.GetPatterns(context.Background(), &rcav1.GetPatternsRequest{Limit: -1}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("negative limit: %v", err)
	}
}

func TestListCorrelations(t *testing.T) {
	client, _ := dial(t, 8)
	resp, err := client.ListCorrelations(context.Background(), &rcav1.ListCorrelationsRequest{IncidentId: "INC-1042", MinScore: 0.2, PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetCorrelations()
	if len(got) == 0 || len(got) > 3 {
		t.Fatalf("got %d correlations, want 1 to 3", len(got))
	}
	for i, c := range got {
		if c.GetScore() < 0.2 || (i > 0 && c.GetScore() > got[i-1].GetScore()) {
			t.Fatalf("correlations not filtered and ranked: %v", got)
		}
	}
	if _, err := client.ListCorrelations(context.Background(), &rcav1.ListCorrelationsRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("no incident: %v", err)
	}
}

// onlyOK narrows a registry to the OK series of one method, for a compact comparison.
func onlyOK(reg *prometheus.Registry, method string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		families, err := reg.Gather()
		for _, f := range families {
			var kept []*dto.Metric
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if f.GetName() != "grpc_server_handled_total" || (labels["grpc_method"] == method && labels["grpc_code"] == "OK") {
					kept = append(kept, m)
				}
			}
			f.Metric = kept
		}
		return families, err
	})
}
