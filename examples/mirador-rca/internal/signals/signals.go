// Package signals fetches what an investigation looks at (a service's metric samples, log aggregates, trace spans,
// and the service graph) from mirador-core's RCA endpoints, or makes them up when no core is configured. The
// endpoints are POSTs of {"tenant_id","service","start","end"} (RFC 3339) answering JSON, as mirador-core serves
// them for mirador-rca.
package signals

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
)

// Point is one metric sample.
type Point struct {
	Timestamp time.Time `json:"timestamp"`
	Value     float64   `json:"value"`
}

// LogEntry is a count of log lines of one severity and message at a time.
type LogEntry struct {
	Timestamp time.Time `json:"timestamp"`
	Message   string    `json:"message"`
	Severity  string    `json:"severity"`
	Count     int       `json:"count"`
}

// Span is one trace span.
type Span struct {
	TraceID    string    `json:"trace_id"`
	SpanID     string    `json:"span_id"`
	Service    string    `json:"service"`
	Operation  string    `json:"operation"`
	DurationMs float64   `json:"duration_ms"`
	Status     string    `json:"status"`
	Timestamp  time.Time `json:"timestamp"`
}

// Edge is a call dependency of the service graph.
type Edge struct {
	Source    string  `json:"source"`
	Target    string  `json:"target"`
	CallRate  float64 `json:"call_rate"`
	ErrorRate float64 `json:"error_rate"`
}

// Window is what an investigation asks about.
type Window struct {
	Tenant     string
	Service    string
	Start, End time.Time
}

// Source gives an investigation its signals.
type Source interface {
	Metrics(ctx context.Context, w Window) ([]Point, error)
	Logs(ctx context.Context, w Window) ([]LogEntry, error)
	Traces(ctx context.Context, w Window) ([]Span, error)
	ServiceGraph(ctx context.Context, w Window) ([]Edge, error)
}

// Paths are the four endpoints under the core's base URL (config's clients.core.*Path).
type Paths struct {
	Metrics, Logs, Traces, ServiceGraph string
}

// Core calls mirador-core. The service graph is cached for graphTTL (0: not cached).
type Core struct {
	base     string
	paths    Paths
	http     *http.Client
	cache    cache.Cache
	graphTTL time.Duration
}

// NewCore returns a client of the core at baseURL (http:// or https://).
func NewCore(baseURL string, paths Paths, timeout time.Duration, c cache.Cache, graphTTL time.Duration) *Core {
	return &Core{
		base: strings.TrimRight(baseURL, "/"), paths: paths,
		http: &http.Client{Timeout: timeout}, cache: c, graphTTL: graphTTL,
	}
}

// Metrics asks the core for the service's samples; none is an error (nothing to investigate).
func (c *Core) Metrics(ctx context.Context, w Window) ([]Point, error) {
	var out struct {
		Series []Point `json:"series"`
	}
	if err := c.post(ctx, c.paths.Metrics, w, true, &out); err != nil {
		return nil, err
	}
	if len(out.Series) == 0 {
		return nil, fmt.Errorf("mirador-core %s returned no samples for %s", c.paths.Metrics, w.Service)
	}
	return out.Series, nil
}

// Logs asks the core for the service's log aggregates.
func (c *Core) Logs(ctx context.Context, w Window) ([]LogEntry, error) {
	var out struct {
		Entries []LogEntry `json:"entries"`
	}
	if err := c.post(ctx, c.paths.Logs, w, true, &out); err != nil {
		return nil, err
	}
	return out.Entries, nil
}

// Traces asks the core for the service's spans.
func (c *Core) Traces(ctx context.Context, w Window) ([]Span, error) {
	var out struct {
		Spans []Span `json:"spans"`
	}
	if err := c.post(ctx, c.paths.Traces, w, true, &out); err != nil {
		return nil, err
	}
	for i := range out.Spans {
		if out.Spans[i].Service == "" {
			out.Spans[i].Service = w.Service
		}
	}
	return out.Spans, nil
}

// ServiceGraph asks the core for the tenant's service graph, from the cache when it holds it.
func (c *Core) ServiceGraph(ctx context.Context, w Window) ([]Edge, error) {
	key := fmt.Sprintf("mirador-rca:servicegraph:%s:%d:%d", w.Tenant, w.Start.Unix(), w.End.Unix())
	var edges []Edge
	if c.graphTTL > 0 && cache.Load(ctx, c.cache, key, &edges) {
		return edges, nil
	}
	var out struct {
		Edges []Edge `json:"edges"`
	}
	if err := c.post(ctx, c.paths.ServiceGraph, w, false, &out); err != nil {
		return nil, err
	}
	cache.Store(ctx, c.cache, key, out.Edges, c.graphTTL)
	return out.Edges, nil
}

func (c *Core) post(ctx context.Context, path string, w Window, withService bool, out any) error {
	body := map[string]string{
		"tenant_id": w.Tenant, "start": w.Start.UTC().Format(time.RFC3339), "end": w.End.UTC().Format(time.RFC3339),
	}
	if withService {
		body["service"] = w.Service
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	url := c.base + "/" + strings.TrimLeft(path, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("mirador-core %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("mirador-core %s did not answer: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("mirador-core %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(snippet)))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(out); err != nil {
		return fmt.Errorf("mirador-core %s: not the expected JSON: %w", url, err)
	}
	return nil
}
