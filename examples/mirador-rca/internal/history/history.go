// Package history is the service's memory of past investigations: similar incidents, the correlations it made,
// failure patterns and operators' feedback. They live in a Weaviate vector store when one is configured and
// answers (GraphQL at /v1/graphql, objects at /v1/objects); otherwise, or whenever it fails, the answers are
// synthetic (a small in-process record of this process's own correlations, and made-up patterns), never an error.
// Similar incidents and patterns are cached with their TTLs.
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miradorstack/mirador-rca/internal/cache"
)

// Correlation is a past investigation's result, as the store keeps it.
type Correlation struct {
	ID         string    `json:"correlationId"`
	IncidentID string    `json:"incidentId"`
	Tenant     string    `json:"tenantId"`
	RootCause  string    `json:"rootCause"`
	Confidence float64   `json:"confidence"`
	Services   []string  `json:"affectedServices"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Anchor is a signal a pattern starts with.
type Anchor struct {
	Service    string  `json:"service"`
	SignalType string  `json:"signalType"`
	Selector   string  `json:"selector"`
	LeadLag    float64 `json:"typicalLeadLag"`
	Threshold  float64 `json:"threshold"`
}

// Pattern is a recurring failure shape.
type Pattern struct {
	ID          string    `json:"patternId"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Services    []string  `json:"services"`
	Anchors     []Anchor  `json:"anchors"`
	Prevalence  float64   `json:"prevalence"`
	LastSeen    time.Time `json:"lastSeen"`
	Precision   float64   `json:"precision"`
	Recall      float64   `json:"recall"`
}

// Query selects correlations for ListCorrelations; Offset is where the page starts.
type Query struct {
	Tenant, Service string
	Start, End      time.Time
	Limit, Offset   int
}

// TTLs are how long the cache keeps similar incidents and patterns (0: not cached).
type TTLs struct {
	Similar, Patterns time.Duration
}

// Store is the history, backed by Weaviate when endpoint is set.
type Store struct {
	endpoint string
	apiKey   string
	http     *http.Client
	cache    cache.Cache
	ttls     TTLs

	mu     sync.Mutex
	recent []Correlation // newest last, at most recentMax
}

const recentMax = 256

// New returns the history; an empty endpoint means synthetic answers only.
func New(endpoint, apiKey string, timeout time.Duration, c cache.Cache, ttls TTLs) *Store {
	return &Store{
		endpoint: strings.TrimRight(endpoint, "/"), apiKey: apiKey, http: &http.Client{Timeout: timeout},
		cache: c, ttls: ttls,
	}
}

// Similar returns up to limit past correlations whose symptoms resemble these.
func (s *Store) Similar(ctx context.Context, tenant string, symptoms []string, limit int) []Correlation {
	key := fmt.Sprintf("mirador-rca:similar:%s:%d:%s", tenant, limit, strings.Join(symptoms, "|"))
	var out []Correlation
	if s.ttls.Similar > 0 && cache.Load(ctx, s.cache, key, &out) {
		return out
	}
	query := fmt.Sprintf(`{ Get { Correlation(limit: %d, nearText: {concepts: %s}, where: %s) `+
		`{ correlationId incidentId tenantId rootCause confidence affectedServices createdAt } } }`,
		limit, jsonString(symptoms), tenantFilter(tenant))
	if err := s.graphQL(ctx, query, "Correlation", &out); err != nil || len(out) == 0 {
		out = s.syntheticSimilar(tenant, limit)
	}
	cache.Store(ctx, s.cache, key, out, s.ttls.Similar)
	return out
}

// Patterns returns the failure patterns of a service (all of the tenant's when service is empty).
func (s *Store) Patterns(ctx context.Context, tenant, service string) []Pattern {
	key := fmt.Sprintf("mirador-rca:patterns:%s:%s", tenant, service)
	var out []Pattern
	if s.ttls.Patterns > 0 && cache.Load(ctx, s.cache, key, &out) {
		return out
	}
	query := fmt.Sprintf(`{ Get { FailurePattern(limit: 50, where: %s) { patternId name description services `+
		`prevalence lastSeen precision recall anchors { service signalType selector typicalLeadLag threshold } } } }`,
		tenantFilter(tenant))
	if err := s.graphQL(ctx, query, "FailurePattern", &out); err != nil || len(out) == 0 {
		out = syntheticPatterns(service)
	}
	if service != "" {
		out = slices.DeleteFunc(out, func(p Pattern) bool { return !slices.Contains(p.Services, service) })
	}
	cache.Store(ctx, s.cache, key, out, s.ttls.Patterns)
	return out
}

// List returns a page of correlations, newest first, and the offset of the next page (0: no more).
func (s *Store) List(ctx context.Context, q Query) ([]Correlation, int) {
	var all []Correlation
	query := fmt.Sprintf(`{ Get { Correlation(limit: %d, offset: %d, where: %s) `+
		`{ correlationId incidentId tenantId rootCause confidence affectedServices createdAt } } }`,
		q.Limit+1, q.Offset, tenantFilter(q.Tenant))
	if err := s.graphQL(ctx, query, "Correlation", &all); err == nil && len(all) > 0 {
		all = filter(all, q)
		if len(all) > q.Limit {
			return all[:q.Limit], q.Offset + q.Limit
		}
		return all, 0
	}
	all = filter(s.recentNewestFirst(), q)
	if len(all) == 0 && q.Offset == 0 {
		all = s.syntheticSimilar(q.Tenant, 1)
	}
	if q.Offset >= len(all) {
		return nil, 0
	}
	page := all[q.Offset:]
	if len(page) > q.Limit {
		return page[:q.Limit], q.Offset + q.Limit
	}
	return page, 0
}

// Record keeps a new correlation: in the vector store when there is one (best effort), and in the process.
func (s *Store) Record(ctx context.Context, c Correlation) {
	s.mu.Lock()
	s.recent = append(s.recent, c)
	if len(s.recent) > recentMax {
		s.recent = slices.Delete(s.recent, 0, len(s.recent)-recentMax)
	}
	s.mu.Unlock()
	s.putObject(ctx, "Correlation", c)
}

// Feedback keeps an operator's verdict on a correlation (best effort, like Record).
func (s *Store) Feedback(ctx context.Context, tenant, correlationID string, correct bool, notes string) {
	s.putObject(ctx, "Feedback", map[string]any{
		"tenantId": tenant, "correlationId": correlationID, "correct": correct, "notes": notes,
		"submittedAt": time.Now().UTC(),
	})
}

func (s *Store) recentNewestFirst() []Correlation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.recent)
	slices.Reverse(out)
	return out
}

func filter(in []Correlation, q Query) []Correlation {
	return slices.DeleteFunc(slices.Clone(in), func(c Correlation) bool {
		return (q.Tenant != "" && c.Tenant != q.Tenant) ||
			(q.Service != "" && !slices.Contains(c.Services, q.Service) && c.RootCause != q.Service) ||
			(!q.Start.IsZero() && c.CreatedAt.Before(q.Start)) ||
			(!q.End.IsZero() && c.CreatedAt.After(q.End))
	})
}

func (s *Store) graphQL(ctx context.Context, query, class string, out any) error {
	if s.endpoint == "" {
		return errNoStore
	}
	payload, _ := json.Marshal(map[string]string{"query": query})
	var answer struct {
		Data struct {
			Get map[string]json.RawMessage `json:"Get"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := s.do(ctx, "/v1/graphql", payload, &answer); err != nil {
		return err
	}
	if len(answer.Errors) > 0 {
		return fmt.Errorf("weaviate: %s", answer.Errors[0].Message)
	}
	raw, ok := answer.Data.Get[class]
	if !ok {
		return fmt.Errorf("weaviate: no %s in the answer", class)
	}
	return json.Unmarshal(raw, out)
}

func (s *Store) putObject(ctx context.Context, class string, properties any) {
	if s.endpoint == "" {
		return
	}
	payload, err := json.Marshal(map[string]any{"class": class, "properties": properties})
	if err == nil {
		_ = s.do(ctx, "/v1/objects", payload, nil)
	}
}

func (s *Store) do(ctx context.Context, path string, payload []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+path, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.apiKey)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("weaviate %s answered %s", path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(out)
}

var errNoStore = errors.New("no weaviate endpoint configured")

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func tenantFilter(tenant string) string {
	return fmt.Sprintf(`{path: ["tenantId"], operator: Equal, valueText: %s}`, strconv.Quote(tenant))
}
