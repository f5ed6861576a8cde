// Package rca is the investigation itself: fetch the signals of the service under investigation, score how far
// each moved from its baseline, rank the candidate causes (the service and each dependency of the service graph),
// and explain the winner with its anchors, a timeline and recommendations. A small model, but every answer follows
// from the signals: the same signals give the same answer.
package rca

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/miradorstack/mirador-rca/internal/history"
	"github.com/miradorstack/mirador-rca/internal/signals"
)

// DataType is where an anchor or event was seen.
type DataType int32

// The data types of the contract's DataType enum.
const (
	Metrics DataType = iota + 1
	Logs
	Traces
)

// Severity of a timeline event.
type Severity int32

// The severities of the contract's Severity enum.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

// Request is an investigation's question.
type Request struct {
	IncidentID string
	Symptoms   []string
	Start, End time.Time
	Services   []string
	Threshold  float64
	Tenant     string
}

// Anchor is a signal that crossed the threshold.
type Anchor struct {
	Service   string
	Selector  string
	Type      DataType
	At        time.Time
	Score     float64
	Threshold float64
}

// Event is a point of the incident's timeline.
type Event struct {
	At       time.Time
	Text     string
	Service  string
	Severity Severity
	Score    float64
	Source   DataType
}

// Result is an investigation's answer.
type Result struct {
	CorrelationID   string
	IncidentID      string
	RootCause       string
	Confidence      float64
	Services        []string
	Anchors         []Anchor
	Timeline        []Event
	Recommendations []string
	CreatedAt       time.Time
}

// DefaultThreshold is the anomaly score above which a signal becomes an anchor when the request gives none.
const DefaultThreshold = 0.5

// Engine investigates with signals from src and remembers in hist.
type Engine struct {
	src    signals.Source
	hist   *history.Store
	logger *slog.Logger
	now    func() time.Time
}

// New returns an engine.
func New(src signals.Source, hist *history.Store, logger *slog.Logger) *Engine {
	return &Engine{src: src, hist: hist, logger: logger, now: time.Now}
}

// Investigate answers one request. An error means the signals could not be had (the caller answers INTERNAL).
func (e *Engine) Investigate(ctx context.Context, req Request) (Result, error) {
	service := primaryService(req)
	threshold := req.Threshold
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	w := signals.Window{Tenant: req.Tenant, Service: service, Start: req.Start, End: req.End}
	graph, err := e.src.ServiceGraph(ctx, w)
	if err != nil {
		// The graph only refines the ranking: investigate without it, as the real service does.
		e.logger.Warn("service graph unavailable", "err", err)
	}
	points, err := e.src.Metrics(ctx, w)
	if err != nil {
		return Result{}, fmt.Errorf("fetch metrics: %w", err)
	}
	logs, err := e.src.Logs(ctx, w)
	if err != nil {
		return Result{}, fmt.Errorf("fetch logs: %w", err)
	}
	spans, err := e.src.Traces(ctx, w)
	if err != nil {
		return Result{}, fmt.Errorf("fetch traces: %w", err)
	}

	res := Result{IncidentID: req.IncidentID, CreatedAt: e.now().UTC()}
	// The service's own anchors are its symptoms; its dependencies' are candidate causes.
	var symptoms float64
	causes := map[string]float64{}
	if a, ok := metricAnchor(service, points, threshold); ok {
		res.Anchors = append(res.Anchors, a)
		symptoms += a.Score
		res.Timeline = append(res.Timeline, Event{At: a.At, Text: "latency left its baseline", Service: service,
			Severity: severity(a.Score), Score: a.Score, Source: Metrics})
	}
	if a, ok := logAnchor(service, logs, threshold); ok {
		res.Anchors = append(res.Anchors, a)
		symptoms += a.Score
		res.Timeline = append(res.Timeline, Event{At: a.At, Text: "error logs rose", Service: service,
			Severity: severity(a.Score), Score: a.Score, Source: Logs})
	}
	for _, a := range traceAnchors(spans, threshold) {
		res.Anchors = append(res.Anchors, a)
		if a.Service == service {
			symptoms += a.Score
		} else {
			causes[a.Service] += a.Score
		}
		res.Timeline = append(res.Timeline, Event{At: a.At, Text: "failing spans in " + a.Service, Service: a.Service,
			Severity: severity(a.Score), Score: a.Score, Source: Traces})
	}
	for _, edge := range graph {
		if edge.Source == service && edge.Target != service && edge.ErrorRate > 0 {
			causes[edge.Target] += edge.ErrorRate * 5
		}
	}
	slices.SortStableFunc(res.Timeline, func(a, b Event) int { return a.At.Compare(b.At) })

	res.RootCause, res.Confidence = rank(causes, service, symptoms, threshold)
	res.Services = affected(service, req.Services, causes)
	similar := e.hist.Similar(ctx, req.Tenant, req.Symptoms, 3)
	res.Recommendations = recommend(res.RootCause, service, similar)
	for _, s := range similar {
		if s.RootCause == res.RootCause {
			res.Confidence = math.Min(0.99, res.Confidence+0.05)
			break
		}
	}
	res.CorrelationID = correlationID(req, res.CreatedAt)
	e.hist.Record(ctx, history.Correlation{
		ID: res.CorrelationID, IncidentID: res.IncidentID, Tenant: req.Tenant, RootCause: res.RootCause,
		Confidence: res.Confidence, Services: res.Services, CreatedAt: res.CreatedAt,
	})
	return res, nil
}

// primaryService is the first affected service, else the first word of the first symptom.
func primaryService(req Request) string {
	for _, s := range req.Services {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	for _, s := range req.Symptoms {
		if f := strings.Fields(s); len(f) > 0 {
			return f[0]
		}
	}
	return "unknown-service"
}

// metricAnchor scores the last third of the series against the first two thirds: (recent - base) / base.
func metricAnchor(service string, points []signals.Point, threshold float64) (Anchor, bool) {
	if len(points) < 3 {
		return Anchor{}, false
	}
	cut := len(points) * 2 / 3
	base, recent := mean(points[:cut]), mean(points[cut:])
	if base <= 0 {
		return Anchor{}, false
	}
	score := (recent - base) / base
	if score < threshold {
		return Anchor{}, false
	}
	return Anchor{Service: service, Selector: fmt.Sprintf("latency{service=%q}", service), Type: Metrics,
		At: points[cut].Timestamp, Score: round(score), Threshold: threshold}, true
}

func mean(points []signals.Point) float64 {
	var sum float64
	for _, p := range points {
		sum += p.Value
	}
	return sum / float64(len(points))
}

// logAnchor scores the share of error lines: errors / all, against the threshold.
func logAnchor(service string, logs []signals.LogEntry, threshold float64) (Anchor, bool) {
	var errs, all int
	var first time.Time
	for _, l := range logs {
		all += l.Count
		if l.Severity == "error" || l.Severity == "fatal" {
			errs += l.Count
			if first.IsZero() || l.Timestamp.Before(first) {
				first = l.Timestamp
			}
		}
	}
	if all == 0 {
		return Anchor{}, false
	}
	score := float64(errs) / float64(all)
	if score < threshold {
		return Anchor{}, false
	}
	return Anchor{Service: service, Selector: fmt.Sprintf(`{service=%q, severity="error"}`, service), Type: Logs,
		At: first, Score: round(score), Threshold: threshold}, true
}

// traceAnchors scores each service's share of failed spans.
func traceAnchors(spans []signals.Span, threshold float64) []Anchor {
	type tally struct {
		failed, all int
		first       time.Time
	}
	by := map[string]*tally{}
	for _, s := range spans {
		t := by[s.Service]
		if t == nil {
			t = &tally{}
			by[s.Service] = t
		}
		t.all++
		if s.Status == "error" {
			t.failed++
			if t.first.IsZero() || s.Timestamp.Before(t.first) {
				t.first = s.Timestamp
			}
		}
	}
	var out []Anchor
	for _, svc := range slices.Sorted(maps.Keys(by)) {
		t := by[svc]
		score := float64(t.failed) / float64(t.all)
		if t.failed == 0 || score < threshold/2 {
			continue
		}
		out = append(out, Anchor{Service: svc, Selector: fmt.Sprintf(`{service=%q, status="error"}`, svc),
			Type: Traces, At: t.first, Score: round(score * 2), Threshold: threshold})
	}
	return out
}

// rank picks the dependency with the highest score (ties by name) when it reaches the threshold, its confidence
// growing with its lead over the next one; otherwise the service itself is the cause, as sure as its symptoms are
// strong.
func rank(causes map[string]float64, service string, symptoms, threshold float64) (string, float64) {
	names := slices.Sorted(maps.Keys(causes))
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(causes[b], causes[a]) })
	if len(names) == 0 || causes[names[0]] < threshold {
		return service, round(0.3 + 0.4*math.Min(1, symptoms/3))
	}
	top, second := causes[names[0]], 0.0
	if len(names) > 1 {
		second = causes[names[1]]
	}
	return names[0], round(math.Min(0.95, 0.5+0.45*(top-second)/top))
}

func affected(service string, asked []string, scores map[string]float64) []string {
	out := []string{service}
	for _, s := range asked {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range slices.Sorted(maps.Keys(scores)) {
		if scores[s] > 0 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func recommend(cause, service string, similar []history.Correlation) []string {
	var out []string
	if cause != service {
		out = append(out,
			fmt.Sprintf("Check %s's recent deploys and error budget: %s's symptoms follow its failures.", cause, service),
			fmt.Sprintf("Shed or retry with backoff %s's calls to %s until it recovers.", service, cause))
	} else {
		out = append(out,
			fmt.Sprintf("Check %s's recent deploys and saturation (CPU, connection pools).", service),
			fmt.Sprintf("Scale %s out if its load rose with the latency.", service))
	}
	for _, s := range similar {
		if s.RootCause == cause {
			out = append(out, fmt.Sprintf("A similar incident (%s) had the same cause.", s.IncidentID))
			break
		}
	}
	return out
}

func correlationID(req Request, at time.Time) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%d", req.Tenant, req.IncidentID, req.Start.Unix(),
		req.End.Unix(), at.UnixNano()))
	return "corr-" + hex.EncodeToString(h[:8])
}

func severity(score float64) Severity {
	switch {
	case score >= 2:
		return Critical
	case score >= 1:
		return High
	case score >= 0.5:
		return Medium
	default:
		return Low
	}
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
