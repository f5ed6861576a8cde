package history

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
)

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestSyntheticWhenNoStoreIsConfiguredOrItDoesNotAnswer(t *testing.T) {
	for _, endpoint := range []string{"", closedPort(t)} {
		s := New(endpoint, "", 500*time.Millisecond, cache.Noop{}, TTLs{})
		ctx := context.Background()
		if got := s.Similar(ctx, "t", []string{"slow"}, 2); len(got) != 2 || !strings.HasPrefix(got[0].ID, "synthetic-") {
			t.Fatalf("%q: similar %v", endpoint, got)
		}
		pats := s.Patterns(ctx, "t", "checkout")
		if len(pats) == 0 {
			t.Fatalf("%q: no patterns", endpoint)
		}
		for _, p := range pats {
			if !strings.Contains(strings.Join(p.Services, ","), "checkout") {
				t.Fatalf("pattern %s is not checkout's", p.ID)
			}
		}
		page, next := s.List(ctx, Query{Tenant: "t", Limit: 5})
		if len(page) != 1 || next != 0 {
			t.Fatalf("%q: list %v %d", endpoint, page, next)
		}
	}
}

func TestListPagesThroughThisProcesssCorrelations(t *testing.T) {
	s := New("", "", time.Second, cache.Noop{}, TTLs{})
	ctx := context.Background()
	for i := range 5 {
		s.Record(ctx, Correlation{ID: string(rune('a' + i)), Tenant: "t", RootCause: "payments", Services: []string{"checkout"},
			CreatedAt: time.Unix(int64(1000+i), 0)})
	}
	s.Record(ctx, Correlation{ID: "other", Tenant: "u", Services: []string{"checkout"}})
	page, next := s.List(ctx, Query{Tenant: "t", Service: "checkout", Limit: 2})
	if len(page) != 2 || page[0].ID != "e" || page[1].ID != "d" || next != 2 {
		t.Fatalf("first page %v next %d", page, next)
	}
	page, next = s.List(ctx, Query{Tenant: "t", Limit: 2, Offset: 4})
	if len(page) != 1 || page[0].ID != "a" || next != 0 {
		t.Fatalf("last page %v next %d", page, next)
	}
	if page, _ := s.List(ctx, Query{Tenant: "t", Limit: 10, Start: time.Unix(1003, 0)}); len(page) != 2 {
		t.Fatalf("start_time filter: %v", page)
	}
}

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

func TestReadsWeaviatesAnswerAndCachesIt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/graphql" || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"data":{"Get":{"Correlation":[{"correlationId":"w-1","incidentId":"INC-9",` +
			`"rootCause":"db","confidence":0.9,"affectedServices":["checkout"]}]}}}`))
	}))
	defer srv.Close()
	s := New(srv.URL, "k", time.Second, memory{}, TTLs{Similar: time.Minute})
	for range 3 {
		got := s.Similar(context.Background(), "t", []string{"slow"}, 3)
		if len(got) != 1 || got[0].ID != "w-1" || got[0].RootCause != "db" {
			t.Fatalf("%v", got)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("weaviate asked %d times; the cache should answer after the first", calls.Load())
	}
}
