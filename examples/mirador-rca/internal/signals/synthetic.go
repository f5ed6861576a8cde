package signals

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// ErrNoService: Synthetic makes signals for a named service only.
var ErrNoService = errors.New("no service to make signals for")

// Synthetic makes up plausible signals without any backend: a latency series that rises in the last third of the
// window, error logs that grow with it, slow spans towards a dependency, and a small service graph. The same window
// gives the same signals, so answers are stable for tests and demos.
type Synthetic struct{}

func seed(w Window) uint32 {
	h := fnv.New32a()
	_, _ = fmt.Fprintf(h, "%s|%s|%d|%d", w.Tenant, w.Service, w.Start.Unix(), w.End.Unix())
	return h.Sum32()
}

func span(w Window) (time.Time, time.Duration) {
	start, end := w.Start, w.End
	if start.IsZero() || !end.After(start) {
		end = time.Unix(1767225600, 0).UTC()
		start = end.Add(-time.Hour)
	}
	return start, end.Sub(start)
}

// Metrics gives 20 samples; the last 6 jump by a factor that depends on the window.
func (Synthetic) Metrics(_ context.Context, w Window) ([]Point, error) {
	if w.Service == "" {
		return nil, ErrNoService
	}
	start, length := span(w)
	jump := 2 + float64(seed(w)%300)/100
	points := make([]Point, 20)
	for i := range points {
		v := 0.2 + 0.01*float64(i%3)
		if i >= 14 {
			v *= jump
		}
		points[i] = Point{Timestamp: start.Add(length * time.Duration(i) / 20), Value: v}
	}
	return points, nil
}

// Logs gives error counts that grow in the second half of the window.
func (Synthetic) Logs(_ context.Context, w Window) ([]LogEntry, error) {
	start, length := span(w)
	entries := make([]LogEntry, 5)
	for i := range entries {
		sev, count := "info", 10+i
		if i >= 3 {
			sev, count = "error", 30+10*i
		}
		entries[i] = LogEntry{
			Timestamp: start.Add(length * time.Duration(i) / 5), Severity: sev, Count: count,
			Message: fmt.Sprintf("%s: upstream request failed", w.Service),
		}
	}
	return entries, nil
}

// Traces gives spans of the service towards its first dependency, the late ones slow and failing.
func (s Synthetic) Traces(ctx context.Context, w Window) ([]Span, error) {
	start, length := span(w)
	edges, _ := s.ServiceGraph(ctx, w)
	dep := edges[0].Target
	spans := make([]Span, 8)
	for i := range spans {
		d, status := 40.0, "ok"
		if i >= 5 {
			d, status = 1800, "error"
		}
		spans[i] = Span{
			TraceID: fmt.Sprintf("synthetic-%08x-%d", seed(w), i), SpanID: fmt.Sprintf("span-%d", i),
			Service: dep, Operation: "call " + dep, DurationMs: d, Status: status,
			Timestamp: start.Add(length * time.Duration(i) / 8),
		}
	}
	return spans, nil
}

// ServiceGraph gives the service calling two dependencies, one of them failing.
func (Synthetic) ServiceGraph(_ context.Context, w Window) ([]Edge, error) {
	svc := w.Service
	if svc == "" {
		svc = "checkout"
	}
	deps := []string{"payments", "inventory"}
	if seed(w)%2 == 1 {
		deps[0], deps[1] = deps[1], deps[0]
	}
	return []Edge{
		{Source: svc, Target: deps[0], CallRate: 120, ErrorRate: 0.18},
		{Source: svc, Target: deps[1], CallRate: 80, ErrorRate: 0.01},
	}, nil
}
