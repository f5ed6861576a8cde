// Package server is the gRPC face of the service: rca.v1.RCAEngine over the engine and the history, the standard
// health service (grpc.health.v1.Health) and server reflection, behind go-grpc-prometheus, the investigation
// metrics and the fault hooks.
package server

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	rcav1 "github.com/miradorstack/mirador-rca/internal/grpc/generated"
	"github.com/miradorstack/mirador-rca/internal/history"
	"github.com/miradorstack/mirador-rca/internal/rca"
)

// Investigator answers investigations (the rca engine).
type Investigator interface {
	Investigate(ctx context.Context, req rca.Request) (rca.Result, error)
}

// Handlers implements rcav1.RCAEngineServer.
type Handlers struct {
	rcav1.UnimplementedRCAEngineServer
	engine Investigator
	hist   *history.Store
}

// NewHandlers returns the service's handlers.
func NewHandlers(engine Investigator, hist *history.Store) *Handlers {
	return &Handlers{engine: engine, hist: hist}
}

// InvestigateIncident runs one investigation; INVALID_ARGUMENT without a complete time range, INTERNAL when the
// signals cannot be had (mirador-core not answering).
func (h *Handlers) InvestigateIncident(ctx context.Context, req *rcav1.RCAInvestigationRequest) (*rcav1.CorrelationResult, error) {
	tr := req.GetTimeRange()
	if tr.GetStart() == nil || tr.GetEnd() == nil {
		return nil, status.Error(codes.InvalidArgument, "time_range.start and time_range.end are required")
	}
	start, end := tr.GetStart().AsTime(), tr.GetEnd().AsTime()
	if !end.After(start) {
		return nil, status.Errorf(codes.InvalidArgument, "time_range.end (%s) must be after time_range.start (%s)",
			end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if t := req.GetAnomalyThreshold(); t < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "anomaly_threshold %g is negative (0 takes the default)", t)
	}
	res, err := h.engine.Investigate(ctx, rca.Request{
		IncidentID: req.GetIncidentId(), Symptoms: req.GetSymptoms(), Start: start, End: end,
		Services: req.GetAffectedServices(), Threshold: req.GetAnomalyThreshold(), Tenant: req.GetTenantId(),
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, status.FromContextError(err).Err()
		}
		return nil, status.Errorf(codes.Internal, "investigation failed: %v", err)
	}
	return toResult(res), nil
}

// ListCorrelations pages through past correlations, newest first; page_token is the offset the last page gave.
func (h *Handlers) ListCorrelations(ctx context.Context, req *rcav1.ListCorrelationsRequest) (*rcav1.ListCorrelationsResponse, error) {
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, status.Errorf(codes.InvalidArgument, "page_size %d is negative", size)
	case size == 0:
		size = 20
	case size > 100:
		size = 100
	}
	offset := 0
	if tok := req.GetPageToken(); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return nil, status.Errorf(codes.InvalidArgument, "page_token %q is not a token of a previous page", tok)
		}
		offset = n
	}
	q := history.Query{Tenant: req.GetTenantId(), Service: req.GetService(), Limit: size, Offset: offset}
	if req.GetStartTime() != nil {
		q.Start = req.GetStartTime().AsTime()
	}
	if req.GetEndTime() != nil {
		q.End = req.GetEndTime().AsTime()
	}
	page, next := h.hist.List(ctx, q)
	resp := &rcav1.ListCorrelationsResponse{}
	if next > 0 {
		resp.NextPageToken = strconv.Itoa(next)
	}
	for _, c := range page {
		resp.Correlations = append(resp.Correlations, &rcav1.CorrelationResult{
			CorrelationId: c.ID, IncidentId: c.IncidentID, RootCause: c.RootCause, Confidence: c.Confidence,
			AffectedServices: c.Services, CreatedAt: timestamppb.New(c.CreatedAt),
		})
	}
	return resp, nil
}

// GetPatterns returns the failure patterns of a service.
func (h *Handlers) GetPatterns(ctx context.Context, req *rcav1.GetPatternsRequest) (*rcav1.GetPatternsResponse, error) {
	resp := &rcav1.GetPatternsResponse{}
	for _, p := range h.hist.Patterns(ctx, req.GetTenantId(), req.GetService()) {
		out := &rcav1.Pattern{
			Id: p.ID, Name: p.Name, Description: p.Description, Services: p.Services, Prevalence: p.Prevalence,
			Quality: &rcav1.Quality{Precision: p.Precision, Recall: p.Recall},
		}
		if !p.LastSeen.IsZero() {
			out.LastSeen = timestamppb.New(p.LastSeen)
		}
		for _, a := range p.Anchors {
			out.AnchorTemplates = append(out.AnchorTemplates, &rcav1.AnchorTemplate{
				Service: a.Service, SignalType: a.SignalType, Selector: a.Selector, TypicalLeadLag: a.LeadLag,
				Threshold: a.Threshold,
			})
		}
		resp.Patterns = append(resp.Patterns, out)
	}
	return resp, nil
}

// SubmitFeedback records an operator's verdict; correlation_id is required.
func (h *Handlers) SubmitFeedback(ctx context.Context, req *rcav1.FeedbackRequest) (*rcav1.FeedbackAck, error) {
	if req.GetCorrelationId() == "" {
		return nil, status.Error(codes.InvalidArgument, "correlation_id is required")
	}
	h.hist.Feedback(ctx, req.GetTenantId(), req.GetCorrelationId(), req.GetCorrect(), req.GetNotes())
	return &rcav1.FeedbackAck{CorrelationId: req.GetCorrelationId(), Accepted: true}, nil
}

// HealthCheck answers SERVING while the process serves.
func (h *Handlers) HealthCheck(context.Context, *rcav1.HealthRequest) (*rcav1.HealthResponse, error) {
	return &rcav1.HealthResponse{Status: "SERVING"}, nil
}

func toResult(r rca.Result) *rcav1.CorrelationResult {
	out := &rcav1.CorrelationResult{
		CorrelationId: r.CorrelationID, IncidentId: r.IncidentID, RootCause: r.RootCause, Confidence: r.Confidence,
		AffectedServices: r.Services, Recommendations: r.Recommendations, CreatedAt: timestamppb.New(r.CreatedAt),
	}
	for _, a := range r.Anchors {
		out.RedAnchors = append(out.RedAnchors, &rcav1.RedAnchor{
			Service: a.Service, Selector: a.Selector, DataType: rcav1.DataType(a.Type),
			Timestamp: timestamppb.New(a.At), AnomalyScore: a.Score, Threshold: a.Threshold,
		})
	}
	for _, e := range r.Timeline {
		out.Timeline = append(out.Timeline, &rcav1.TimelineEvent{
			Time: timestamppb.New(e.At), Event: e.Text, Service: e.Service, Severity: rcav1.Severity(e.Severity),
			AnomalyScore: e.Score, DataSource: rcav1.DataType(e.Source),
		})
	}
	return out
}
