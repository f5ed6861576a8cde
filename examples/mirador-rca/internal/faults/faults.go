// Package faults injects errors and latency into the service's RPCs, so that the release's SLO gate can be
// exercised against a canary that really is bad. Both are off unless asked for (flags --fault-error-ratio and
// --fault-latency, or the environment variables MIRADOR_FAULT_ERROR_RATIO and MIRADOR_FAULT_LATENCY).
package faults

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Injector fails a fixed share of calls and delays every call. The failures are spread evenly and
// deterministically: of the first n calls, exactly floor(n*ratio) fail, so a test can predict the counts.
type Injector struct {
	errorRatio float64
	latency    time.Duration
	prefix     string
	calls      atomic.Uint64
}

// New returns an injector for the methods of one gRPC service (full name, e.g. "mirador.rca.v1.RCAService").
func New(service string, errorRatio float64, latency time.Duration) (*Injector, error) {
	if math.IsNaN(errorRatio) || errorRatio < 0 || errorRatio > 1 {
		return nil, fmt.Errorf("fault error ratio %v is out of range (expected 0 to 1, e.g. 0.2)", errorRatio)
	}
	if latency < 0 {
		return nil, fmt.Errorf("fault latency %v is negative (expected a duration such as 250ms)", latency)
	}
	return &Injector{errorRatio: errorRatio, latency: latency, prefix: "/" + service + "/"}, nil
}

// Active reports whether the injector changes anything.
func (i *Injector) Active() bool { return i.errorRatio > 0 || i.latency > 0 }

// String describes the settings, for the start-up log.
func (i *Injector) String() string {
	return fmt.Sprintf("error ratio %g, latency %v", i.errorRatio, i.latency)
}

// shouldFail advances the call counter and reports whether this call is one of the failing ones.
func (i *Injector) shouldFail() bool {
	if i.errorRatio == 0 {
		return false
	}
	n := float64(i.calls.Add(1))
	return math.Floor(n*i.errorRatio) > math.Floor((n-1)*i.errorRatio)
}

// UnaryServerInterceptor delays the service's calls and fails some of them with UNAVAILABLE. Calls to other
// services (reflection) pass untouched. Put it inside the metrics interceptor, so that the metrics see the faults.
func (i *Injector) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !i.Active() || !strings.HasPrefix(info.FullMethod, i.prefix) {
			return handler(ctx, req)
		}
		if i.latency > 0 {
			timer := time.NewTimer(i.latency)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil, status.FromContextError(ctx.Err()).Err()
			}
		}
		if i.shouldFail() {
			return nil, status.Error(codes.Unavailable, "injected fault (--fault-error-ratio)")
		}
		return handler(ctx, req)
	}
}
