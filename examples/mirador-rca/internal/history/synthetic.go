package history

import (
	"fmt"
	"time"
)

// syntheticEpoch dates the made-up history (a fixed time, so that answers are stable).
var syntheticEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (s *Store) syntheticSimilar(tenant string, limit int) []Correlation {
	limit = min(max(limit, 1), 3)
	out := make([]Correlation, limit)
	causes := []string{"payments", "inventory", "postgres"}
	for i := range out {
		out[i] = Correlation{
			ID: fmt.Sprintf("synthetic-corr-%d", i+1), IncidentID: fmt.Sprintf("synthetic-incident-%d", i+1),
			Tenant: tenant, RootCause: causes[i], Confidence: 0.7 - 0.15*float64(i),
			Services: []string{"checkout", causes[i]}, CreatedAt: syntheticEpoch.Add(-time.Duration(i+1) * 24 * time.Hour),
		}
	}
	return out
}

func syntheticPatterns(service string) []Pattern {
	if service == "" {
		service = "checkout"
	}
	return []Pattern{
		{
			ID: "synthetic-pattern-dependency-errors", Name: "dependency error burst",
			Description: "a downstream dependency starts failing, then the caller's latency and error logs rise",
			Services:    []string{service, "payments"}, Prevalence: 0.42, LastSeen: syntheticEpoch,
			Precision: 0.81, Recall: 0.67,
			Anchors: []Anchor{
				{Service: "payments", SignalType: "errors", Selector: `rate(errors_total{service="payments"}[5m])`, LeadLag: -60, Threshold: 0.05},
				{Service: service, SignalType: "duration", Selector: "p99 latency", LeadLag: 0, Threshold: 2},
			},
		},
		{
			ID: "synthetic-pattern-saturation", Name: "saturation",
			Description: "CPU or connection pool saturation slows every call of the service",
			Services:    []string{service}, Prevalence: 0.21, LastSeen: syntheticEpoch.Add(-72 * time.Hour),
			Precision: 0.74, Recall: 0.52,
			Anchors: []Anchor{{Service: service, SignalType: "rate", Selector: "requests per second", LeadLag: -120, Threshold: 1.5}},
		},
	}
}
