package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/miradorstack/mirador-rca/internal/config"
	"github.com/miradorstack/mirador-rca/internal/faults"
	rcav1 "github.com/miradorstack/mirador-rca/internal/grpc/generated"
)

type service struct {
	client  rcav1.RCAEngineClient
	conn    *grpc.ClientConn
	metrics string
}

// start runs the service in-process on loopback ports and stops it when the test ends.
func start(t *testing.T, edit func(*config.Config), hooks faults.Settings) service {
	t.Helper()
	cfg := config.Defaults()
	cfg.Server.Address, cfg.Server.MetricsAddress = "127.0.0.1:0", "127.0.0.1:0"
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, hooks, slog.New(slog.NewTextHandler(io.Discard, nil)), func(g, m string) { addrs <- [2]string{g, m} })
	}()
	var a [2]string
	select {
	case a = <-addrs:
	case err := <-done:
		t.Fatalf("run stopped before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening after 10s")
	}
	conn, err := grpc.NewClient(a[0], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		<-done
	})
	return service{client: rcav1.NewRCAEngineClient(conn), conn: conn, metrics: a[1]}
}

func (s service) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// sample returns the value of the series written exactly as `series` (name{labels in exposition order}).
func sample(t *testing.T, text, series string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

var investigation = &rcav1.RCAInvestigationRequest{
	IncidentId: "INC-1042", Symptoms: []string{"checkout p99 latency above 2s"}, TenantId: "t1",
	AffectedServices: []string{"checkout"},
	TimeRange: &rcav1.TimeRange{
		Start: timestamppb.New(time.Unix(1767225600, 0)), End: timestamppb.New(time.Unix(1767229200, 0)),
	},
}

const handled = `grpc_server_handled_total{grpc_code="%s",grpc_method="%s",grpc_service="rca.v1.RCAEngine",grpc_type="unary"}`

func handledSeries(code, method string) string {
	return strings.Replace(strings.Replace(handled, "%s", code, 1), "%s", method, 1)
}

func TestAFreshProcessHasNoErrorSeriesUntilAnInvestigationFails(t *testing.T) {
	s := start(t, nil, faults.Settings{})
	fresh := s.scrape(t)
	for _, m := range []string{"InvestigateIncident", "ListCorrelations", "GetPatterns", "SubmitFeedback", "HealthCheck"} {
		for _, code := range []string{"OK", "Internal", "Unavailable"} {
			if v, ok := sample(t, fresh, handledSeries(code, m)); !ok || v != 0 {
				t.Fatalf("%s %s: %v %v (every method's series start at zero)", m, code, v, ok)
			}
		}
	}
	if strings.Contains(fresh, "mirador_rca_investigations_total{") {
		t.Fatal("a fresh process exports investigation counters before any investigation")
	}
	for _, absent := range []string{"track=", "build_info", "cache_hits", "cache_misses"} {
		if strings.Contains(fresh, absent) {
			t.Fatalf("/metrics holds %q, which the real service does not export", absent)
		}
	}

	res, err := s.client.InvestigateIncident(context.Background(), investigation)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetIncidentId() != "INC-1042" || res.GetRootCause() == "" || res.GetCorrelationId() == "" {
		t.Fatalf("%v", res)
	}
	after := s.scrape(t)
	if v, _ := sample(t, after, `mirador_rca_investigations_total{outcome="success"}`); v != 1 {
		t.Fatalf("success counter %v", v)
	}
	if strings.Contains(after, `outcome="error"`) {
		t.Fatal(`outcome="error" exists without a failed investigation`)
	}
	for _, le := range []string{"0.25", "0.5", "1", "2", "3", "4", "5", "6", "8", "10", "+Inf"} {
		if v, ok := sample(t, after, `mirador_rca_investigation_seconds_bucket{le="`+le+`"}`); !ok || v != 1 {
			t.Fatalf("bucket le=%s: %v %v", le, v, ok)
		}
	}
	if v, _ := sample(t, after, handledSeries("OK", "InvestigateIncident")); v != 1 {
		t.Fatalf("handled OK %v", v)
	}
	if v, _ := sample(t, after, `grpc_server_handling_seconds_count{grpc_method="InvestigateIncident",grpc_service="rca.v1.RCAEngine",grpc_type="unary"}`); v != 1 {
		t.Fatalf("handling histogram count %v", v)
	}

	// An invalid request is refused before any work: INVALID_ARGUMENT, and no investigation is counted.
	_, err = s.client.InvestigateIncident(context.Background(), &rcav1.RCAInvestigationRequest{IncidentId: "x"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "time_range") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(s.scrape(t), `outcome="error"`) {
		t.Fatal("an invalid request was counted as a failed investigation")
	}
}

func TestACoreThatDoesNotAnswerFailsTheInvestigationWithInternal(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	_ = l.Close()
	s := start(t, func(c *config.Config) {
		c.Clients.Core.BaseURL = closed
		c.Clients.Core.Timeout = time.Second
		c.Weaviate.Endpoint = closed // not answering either: synthetic history, no error
	}, faults.Settings{})
	_, err = s.client.InvestigateIncident(context.Background(), investigation)
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err %v", err)
	}
	text := s.scrape(t)
	if v, _ := sample(t, text, `mirador_rca_investigations_total{outcome="error"}`); v != 1 {
		t.Fatalf(`outcome="error" %v`, v)
	}
	if v, _ := sample(t, text, handledSeries("Internal", "InvestigateIncident")); v != 1 {
		t.Fatalf("handled Internal %v", v)
	}
	pats, err := s.client.GetPatterns(context.Background(), &rcav1.GetPatternsRequest{TenantId: "t1", Service: "checkout"})
	if err != nil || len(pats.GetPatterns()) == 0 {
		t.Fatalf("patterns without weaviate: %v %v", pats, err)
	}
}

func TestHealthReflectionAndTheOtherMethods(t *testing.T) {
	s := start(t, nil, faults.Settings{})
	ctx := context.Background()
	hc, err := healthpb.NewHealthClient(s.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "rca.v1.RCAEngine"})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("%v %v", hc, err)
	}
	if h, err := s.client.HealthCheck(ctx, &rcav1.HealthRequest{}); err != nil || h.GetStatus() != "SERVING" {
		t.Fatalf("%v %v", h, err)
	}
	res, err := s.client.InvestigateIncident(ctx, investigation)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.client.ListCorrelations(ctx, &rcav1.ListCorrelationsRequest{TenantId: "t1", PageSize: 5})
	if err != nil || len(list.GetCorrelations()) != 1 || list.GetCorrelations()[0].GetCorrelationId() != res.GetCorrelationId() {
		t.Fatalf("%v %v", list, err)
	}
	if _, err := s.client.ListCorrelations(ctx, &rcav1.ListCorrelationsRequest{PageToken: "x"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad page token: %v", err)
	}
	ack, err := s.client.SubmitFeedback(ctx, &rcav1.FeedbackRequest{CorrelationId: res.GetCorrelationId(), Correct: true})
	if err != nil || !ack.GetAccepted() {
		t.Fatalf("%v %v", ack, err)
	}
	if _, err := s.client.SubmitFeedback(ctx, &rcav1.FeedbackRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("feedback without correlation_id: %v", err)
	}
}

func TestErrorRatioFailsInvestigationsAndCountsThem(t *testing.T) {
	s := start(t, nil, faults.Settings{ErrorRatio: 0.5, Latency: 30 * time.Millisecond})
	var codesSeen []codes.Code
	for range 4 {
		_, err := s.client.InvestigateIncident(context.Background(), investigation)
		codesSeen = append(codesSeen, status.Code(err))
	}
	if codesSeen[0] != codes.OK || codesSeen[1] != codes.Unavailable || codesSeen[2] != codes.OK || codesSeen[3] != codes.Unavailable {
		t.Fatalf("codes %v", codesSeen)
	}
	text := s.scrape(t)
	if v, _ := sample(t, text, `mirador_rca_investigations_total{outcome="error"}`); v != 2 {
		t.Fatalf("error %v", v)
	}
	if v, _ := sample(t, text, `mirador_rca_investigations_total{outcome="success"}`); v != 2 {
		t.Fatalf("success %v", v)
	}
	// Every investigation took at least the injected 30ms (below the first bucket, 0.25 s: read the sum).
	if v, _ := sample(t, text, `mirador_rca_investigation_seconds_sum`); v < 4*0.03 {
		t.Fatalf("investigation seconds sum %v, want at least 4 x 30ms", v)
	}
}

func TestTheCacheHoldsTheServiceGraphAndANoOpCacheWhenItDoesNotAnswer(t *testing.T) {
	var graphCalls atomic.Int32
	core := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/rca/metrics":
			_, _ = io.WriteString(w, `{"series":[{"timestamp":"2026-01-01T00:00:00Z","value":0.2},`+
				`{"timestamp":"2026-01-01T00:20:00Z","value":0.2},{"timestamp":"2026-01-01T00:40:00Z","value":1.5}]}`)
		case "/api/v1/rca/logs":
			_, _ = io.WriteString(w, `{"entries":[]}`)
		case "/api/v1/rca/traces":
			_, _ = io.WriteString(w, `{"spans":[]}`)
		case "/api/v1/rca/service-graph":
			graphCalls.Add(1)
			_, _ = io.WriteString(w, `{"edges":[{"source":"checkout","target":"payments","call_rate":9,"error_rate":0.3}]}`)
		}
	}))
	defer core.Close()
	redis := startRedis(t)
	for _, c := range []struct {
		addr      string
		wantCalls int32
	}{{redis, 1}, {closedAddr(t), 3}} {
		graphCalls.Store(0)
		s := start(t, func(cfg *config.Config) {
			cfg.Clients.Core.BaseURL = core.URL
			cfg.Cache.Addr = c.addr
		}, faults.Settings{})
		for range 3 {
			res, err := s.client.InvestigateIncident(context.Background(), investigation)
			if err != nil || res.GetRootCause() != "payments" {
				t.Fatalf("cache %s: %v %v", c.addr, res, err)
			}
		}
		if graphCalls.Load() != c.wantCalls {
			t.Fatalf("cache %s: the service graph was fetched %d times, want %d", c.addr, graphCalls.Load(), c.wantCalls)
		}
	}
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// startRedis runs Debian's redis-server on a free loopback port; without it the test fails (it proves the cache).
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not on PATH (apt-get install redis-server): %v", err)
	}
	addr := closedAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return addr
		}
	}
	t.Fatalf("redis-server did not listen on %s within 10s", addr)
	return ""
}
