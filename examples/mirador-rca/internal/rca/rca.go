// Package rca implements mirador.rca.v1.RCAService. The analysis is a deterministic stand-in (the real service
// queries mirador-core, Weaviate and Valkey): the same request always gives the same answer, which is what the
// release's smoke tests and the cache need.
package rca

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	rcav1 "github.com/miradorstack/mirador-rca/gen/mirador/rca/v1"
	"github.com/miradorstack/mirador-rca/internal/cache"
)

// Services the stand-in analysis knows about.
var services = []string{"checkout", "payments", "inventory", "mirador-core", "valkey", "weaviate"}

// signalWords maps words of a symptom to the signal that explains it.
var signalWords = []struct{ word, signal, explanation string }{
	{"latency", "latency_p99", "p99 latency rose before the symptom"},
	{"slow", "latency_p99", "p99 latency rose before the symptom"},
	{"error", "error_ratio", "the share of failed requests rose before the symptom"},
	{"5xx", "error_ratio", "the share of failed requests rose before the symptom"},
	{"memory", "memory_working_set", "working-set memory approached its limit"},
	{"oom", "memory_working_set", "working-set memory approached its limit"},
	{"cpu", "cpu_throttling", "CPU throttling rose with the load"},
	{"timeout", "connection_pool_saturation", "the connection pool ran out of free connections"},
}

var patterns = []*rcav1.Pattern{
	{Id: "PAT-001", Service: "checkout", Description: "latency spike after a deploy", Occurrences: 14, Severity: 0.7},
	{Id: "PAT-002", Service: "payments", Description: "error burst on upstream timeouts", Occurrences: 9, Severity: 0.9},
	{Id: "PAT-003", Service: "valkey", Description: "cache eviction storm under memory pressure", Occurrences: 6, Severity: 0.6},
	{Id: "PAT-004", Service: "weaviate", Description: "slow vector queries during re-indexing", Occurrences: 4, Severity: 0.5},
	{Id: "PAT-005", Service: "mirador-core", Description: "alert fan-out delay at shift change", Occurrences: 3, Severity: 0.3},
	{Id: "PAT-006", Service: "inventory", Description: "CPU throttling at the top of the hour", Occurrences: 11, Severity: 0.4},
	{Id: "PAT-007", Service: "checkout", Description: "connection pool exhaustion", Occurrences: 5, Severity: 0.8},
}

// Server answers the three RPCs. Investigations are cached by request.
type Server struct {
	rcav1.UnimplementedRCAServiceServer
	track, version string
	cache          *cache.LRU[*rcav1.InvestigateResponse]
	hits, misses   prometheus.Counter
}

// NewServer returns a server whose investigation cache holds cacheSize entries (0 disables it). hits and misses
// count cache lookups.
func NewServer(track, version string, cacheSize int, hits, misses prometheus.Counter) *Server {
	return &Server{
		track: track, version: version,
		cache: cache.New[*rcav1.InvestigateResponse](cacheSize),
		hits:  hits, misses: misses,
	}
}

// Investigate ranks root causes for an incident's symptoms.
func (s *Server) Investigate(_ context.Context, req *rcav1.InvestigateRequest) (*rcav1.InvestigateResponse, error) {
	if strings.TrimSpace(req.GetIncidentId()) == "" {
		return nil, status.Error(codes.InvalidArgument, "incident_id is required (e.g. \"INC-1042\")")
	}
	if len(req.GetSymptoms()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "symptoms: at least one is required (e.g. \"checkout p99 latency above 2s\")")
	}
	if req.GetEndUnix() != 0 && req.GetEndUnix() < req.GetStartUnix() {
		return nil, status.Errorf(codes.InvalidArgument, "end_unix %d is before start_unix %d", req.GetEndUnix(), req.GetStartUnix())
	}
	key := requestKey(req)
	if cached, ok := s.cache.Get(key); ok {
		s.hits.Inc()
		resp := proto.Clone(cached).(*rcav1.InvestigateResponse)
		resp.Cached = true
		return resp, nil
	}
	s.misses.Inc()
	resp := &rcav1.InvestigateResponse{
		InvestigationId: "inv-" + key[:16],
		RootCauses:      analyse(req.GetSymptoms(), key),
		Track:           s.track,
		Version:         s.version,
	}
	s.cache.Put(key, proto.Clone(resp).(*rcav1.InvestigateResponse))
	return resp, nil
}

// GetPatterns lists known failure patterns, most frequent first.
func (s *Server) GetPatterns(_ context.Context, req *rcav1.GetPatternsRequest) (*rcav1.GetPatternsResponse, error) {
	limit, err := pageSize("limit", req.GetLimit(), 10)
	if err != nil {
		return nil, err
	}
	var out []*rcav1.Pattern
	for _, p := range patterns {
		if req.GetService() == "" || p.GetService() == req.GetService() {
			out = append(out, proto.Clone(p).(*rcav1.Pattern))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetOccurrences() > out[j].GetOccurrences() })
	if len(out) > limit {
		out = out[:limit]
	}
	return &rcav1.GetPatternsResponse{Patterns: out}, nil
}

// ListCorrelations lists the signals that moved with an incident, strongest first.
func (s *Server) ListCorrelations(_ context.Context, req *rcav1.ListCorrelationsRequest) (*rcav1.ListCorrelationsResponse, error) {
	if strings.TrimSpace(req.GetIncidentId()) == "" {
		return nil, status.Error(codes.InvalidArgument, "incident_id is required (e.g. \"INC-1042\")")
	}
	if req.GetMinScore() < 0 || req.GetMinScore() > 1 {
		return nil, status.Errorf(codes.InvalidArgument, "min_score %v is out of range (expected 0 to 1)", req.GetMinScore())
	}
	limit, err := pageSize("page_size", req.GetPageSize(), 20)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(req.GetIncidentId()))
	kinds := []string{"metric", "log", "trace"}
	var out []*rcav1.Correlation
	for i := 0; i < len(services); i++ {
		score := float64(sum[i]) / 255
		if score < req.GetMinScore() {
			continue
		}
		out = append(out, &rcav1.Correlation{
			Source: services[i] + "." + signalWords[int(sum[8+i])%len(signalWords)].signal,
			Target: services[(i+1+int(sum[16+i])%(len(services)-1))%len(services)] + ".error_ratio",
			Score:  score,
			Kind:   kinds[int(sum[24+i])%len(kinds)],
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetScore() > out[j].GetScore() })
	if len(out) > limit {
		out = out[:limit]
	}
	return &rcav1.ListCorrelationsResponse{Correlations: out}, nil
}

func pageSize(field string, value int32, def int) (int, error) {
	switch {
	case value < 0:
		return 0, status.Errorf(codes.InvalidArgument, "%s %d is negative (0 means %d)", field, value, def)
	case value == 0:
		return def, nil
	case value > 100:
		return 100, nil
	default:
		return int(value), nil
	}
}

// requestKey identifies an investigation: the same incident, symptoms and window give the same key.
func requestKey(req *rcav1.InvestigateRequest) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d", req.GetIncidentId(), req.GetStartUnix(), req.GetEndUnix())
	for _, s := range req.GetSymptoms() {
		fmt.Fprintf(h, "\x00%s", s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// analyse turns each symptom into a root cause: the service it names (or one picked from the key), the signal its
// words point at, and a confidence between 0.5 and 0.95. At most three, most likely first.
func analyse(symptoms []string, key string) []*rcav1.RootCause {
	seed, _ := hex.DecodeString(key)
	var causes []*rcav1.RootCause
	for i, symptom := range symptoms {
		lower := strings.ToLower(symptom)
		service := services[int(seed[i%len(seed)])%len(services)]
		for _, s := range services {
			if strings.Contains(lower, s) {
				service = s
				break
			}
		}
		signal, explanation := "saturation", "resource saturation preceded the symptom"
		for _, w := range signalWords {
			if strings.Contains(lower, w.word) {
				signal, explanation = w.signal, w.explanation
				break
			}
		}
		confidence := 0.5 + 0.45*float64(binary.BigEndian.Uint16(seed[(2*i)%30:]))/65535
		causes = append(causes, &rcav1.RootCause{
			Service: service, Signal: signal, Confidence: confidence,
			Explanation: fmt.Sprintf("%s: %s", service, explanation),
		})
	}
	sort.SliceStable(causes, func(i, j int) bool { return causes[i].GetConfidence() > causes[j].GetConfidence() })
	if len(causes) > 3 {
		causes = causes[:3]
	}
	return causes
}
