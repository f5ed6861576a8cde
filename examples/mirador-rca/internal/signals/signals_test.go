package signals

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
)

var window = Window{Tenant: "t1", Service: "checkout", Start: time.Unix(1767225600, 0), End: time.Unix(1767229200, 0)}

var paths = Paths{Metrics: "/api/v1/rca/metrics", Logs: "/api/v1/rca/logs", Traces: "/api/v1/rca/traces",
	ServiceGraph: "/api/v1/rca/service-graph"}

// memory is a cache for the test.
type memory map[string][]byte

func (m memory) Get(_ context.Context, k string) ([]byte, bool, error) {
	v, ok := m[k]
	return v, ok, nil
}
func (m memory) Set(_ context.Context, k string, v []byte, _ time.Duration) error {
	m[k] = v
	return nil
}
func (memory) Close() error { return nil }

func TestCorePostsTheWindowAndReadsTheAnswers(t *testing.T) {
	var graphCalls atomic.Int32
	var bodies []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		bodies = append(bodies, body)
		switch r.URL.Path {
		case paths.Metrics:
			_, _ = w.Write([]byte(`{"series":[{"timestamp":"2026-01-01T00:00:00Z","value":0.5}]}`))
		case paths.Logs:
			_, _ = w.Write([]byte(`{"entries":[{"timestamp":"2026-01-01T00:10:00Z","message":"m","severity":"error","count":3}]}`))
		case paths.Traces:
			_, _ = w.Write([]byte(`{"spans":[{"trace_id":"a","span_id":"b","operation":"op","duration_ms":12,"status":"ok"}]}`))
		case paths.ServiceGraph:
			graphCalls.Add(1)
			_, _ = w.Write([]byte(`{"edges":[{"source":"checkout","target":"payments","call_rate":5,"error_rate":0.1}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	mem := memory{}
	c := NewCore(srv.URL+"/", paths, time.Second, mem, time.Minute)
	ctx := context.Background()
	pts, err := c.Metrics(ctx, window)
	if err != nil || len(pts) != 1 || pts[0].Value != 0.5 {
		t.Fatalf("%v %v", pts, err)
	}
	if bodies[0]["tenant_id"] != "t1" || bodies[0]["service"] != "checkout" || bodies[0]["start"] != "2026-01-01T00:00:00Z" ||
		bodies[0]["end"] != "2026-01-01T01:00:00Z" {
		t.Fatalf("body %v", bodies[0])
	}
	if l, err := c.Logs(ctx, window); err != nil || l[0].Count != 3 {
		t.Fatalf("%v %v", l, err)
	}
	if s, err := c.Traces(ctx, window); err != nil || s[0].Service != "checkout" {
		t.Fatalf("a span without a service is the investigated one's: %v %v", s, err)
	}
	for range 3 {
		if e, err := c.ServiceGraph(ctx, window); err != nil || e[0].Target != "payments" {
			t.Fatalf("%v %v", e, err)
		}
	}
	if graphCalls.Load() != 1 {
		t.Fatalf("the service graph was fetched %d times; the cache should answer after the first", graphCalls.Load())
	}
	if _, ok := bodies[len(bodies)-1]["service"]; ok {
		t.Fatal("the service graph request names a service")
	}
}

func TestCoreThatDoesNotAnswerIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	c := NewCore(srv.URL, paths, time.Second, cache.Noop{}, 0)
	if _, err := c.Metrics(context.Background(), window); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err %v", err)
	}
	srv.Close()
	if _, err := c.Metrics(context.Background(), window); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err %v", err)
	}
}

func TestSyntheticIsStable(t *testing.T) {
	ctx := context.Background()
	a, _ := Synthetic{}.Metrics(ctx, window)
	b, _ := Synthetic{}.Metrics(ctx, window)
	if len(a) != 20 || a[19] != b[19] || a[19].Value <= a[0].Value {
		t.Fatalf("%v / %v", a, b)
	}
	if _, err := (Synthetic{}).Metrics(ctx, Window{}); err == nil {
		t.Fatal("no service, no signals")
	}
}
