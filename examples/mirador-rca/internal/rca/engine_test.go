package rca

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
	"github.com/miradorstack/mirador-rca/internal/history"
	"github.com/miradorstack/mirador-rca/internal/signals"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var req = Request{
	IncidentID: "INC-1", Symptoms: []string{"checkout p99 latency above 2s"}, Tenant: "t",
	Start: time.Unix(1767225600, 0), End: time.Unix(1767229200, 0), Services: []string{"checkout"},
}

func engine(src signals.Source) (*Engine, *history.Store) {
	h := history.New("", "", time.Second, cache.Noop{}, history.TTLs{})
	return New(src, h, quiet), h
}

func TestInvestigatesSyntheticSignals(t *testing.T) {
	e, h := engine(signals.Synthetic{})
	res, err := e.Investigate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.IncidentID != "INC-1" || res.RootCause == "" || res.RootCause == "checkout" {
		t.Fatalf("the failing dependency should win: %+v", res)
	}
	if res.Confidence <= 0.5 || res.Confidence >= 1 {
		t.Fatalf("confidence %v", res.Confidence)
	}
	types := map[DataType]bool{}
	for _, a := range res.Anchors {
		types[a.Type] = true
		if a.Score < a.Threshold/2 {
			t.Fatalf("anchor below its threshold: %+v", a)
		}
	}
	if !types[Metrics] || !types[Logs] || !types[Traces] {
		t.Fatalf("anchors %+v", res.Anchors)
	}
	for i := 1; i < len(res.Timeline); i++ {
		if res.Timeline[i].At.Before(res.Timeline[i-1].At) {
			t.Fatalf("timeline not in order: %+v", res.Timeline)
		}
	}
	if res.Services[0] != "checkout" || len(res.Recommendations) < 2 {
		t.Fatalf("%+v", res)
	}
	if page, _ := h.List(context.Background(), history.Query{Tenant: "t", Limit: 5}); len(page) != 1 || page[0].ID != res.CorrelationID {
		t.Fatalf("the correlation is not recorded: %v", page)
	}
}

// broken fails the calls it is told to.
type broken struct {
	signals.Synthetic
	graph, metrics bool
}

func (b broken) ServiceGraph(ctx context.Context, w signals.Window) ([]signals.Edge, error) {
	if b.graph {
		return nil, errors.New("graph down")
	}
	return b.Synthetic.ServiceGraph(ctx, w)
}

func (b broken) Metrics(ctx context.Context, w signals.Window) ([]signals.Point, error) {
	if b.metrics {
		return nil, errors.New("core down")
	}
	return b.Synthetic.Metrics(ctx, w)
}

func TestSignalsThatCannotBeHadFailTheInvestigation(t *testing.T) {
	e, _ := engine(broken{metrics: true})
	if _, err := e.Investigate(context.Background(), req); err == nil {
		t.Fatal("an investigation without metrics succeeded")
	}
	e, _ = engine(broken{graph: true})
	if _, err := e.Investigate(context.Background(), req); err != nil {
		t.Fatalf("the service graph is optional: %v", err)
	}
}

func TestThePrimaryServiceFallsBackToTheSymptom(t *testing.T) {
	if s := primaryService(Request{Symptoms: []string{"payments 5xx"}}); s != "payments" {
		t.Fatal(s)
	}
	if s := primaryService(Request{}); s != "unknown-service" {
		t.Fatal(s)
	}
}
