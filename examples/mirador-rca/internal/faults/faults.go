// Package faults injects failures and latency on purpose, so that a release's SLO gate can be rehearsed against a
// canary that really is bad. Everything is off unless the environment asks (the chart's faultInjection values):
//
//	MIRADOR_FAULT_ERROR_RATIO  share of InvestigateIncident calls failed with UNAVAILABLE, 0 to 1 (counted as
//	                           failed investigations, outcome="error")
//	MIRADOR_FAULT_LATENCY      a Go duration added to every call of the service (e.g. 300ms)
//	MIRADOR_FAULT_STARTUP      "crash": exit 1 before listening; "hang": never listen (never Ready)
package faults

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The environment variables of the hooks.
const (
	EnvErrorRatio = "MIRADOR_FAULT_ERROR_RATIO"
	EnvLatency    = "MIRADOR_FAULT_LATENCY"
	EnvStartup    = "MIRADOR_FAULT_STARTUP"
)

// Settings are the hooks asked for.
type Settings struct {
	ErrorRatio float64
	Latency    time.Duration
	// Startup is "", "crash" or "hang".
	Startup string
}

// FromEnv reads the hooks; a value that does not parse is an error naming the variable and what it expects.
func FromEnv(getenv func(string) string) (Settings, error) {
	var s Settings
	var problems []string
	if v := getenv(EnvErrorRatio); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(r) || r < 0 || r > 1 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a ratio (expected 0 to 1, e.g. 0.2)", EnvErrorRatio, v))
		}
		s.ErrorRatio = r
	}
	if v := getenv(EnvLatency); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a duration (expected e.g. 300ms)", EnvLatency, v))
		}
		s.Latency = d
	}
	switch v := getenv(EnvStartup); v {
	case "", "crash", "hang":
		s.Startup = v
	default:
		problems = append(problems, fmt.Sprintf("%s=%q is not a start-up fault (expected crash, hang or empty)", EnvStartup, v))
	}
	if len(problems) > 0 {
		return s, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return s, nil
}

// Active reports whether a call hook is on.
func (s Settings) Active() bool { return s.ErrorRatio > 0 || s.Latency > 0 }

func (s Settings) String() string {
	return fmt.Sprintf("error ratio %g, latency %v", s.ErrorRatio, s.Latency)
}

// Injector applies the call hooks to one gRPC service. The failures are spread evenly and deterministically: of
// the first n calls of the failing method, exactly floor(n*ratio) fail, so that a test can predict the counts.
type Injector struct {
	s      Settings
	prefix string
	failOn string
	calls  atomic.Uint64
}

// NewInjector applies s to the methods of service (e.g. "rca.v1.RCAEngine"), failing only failMethod's calls.
func NewInjector(s Settings, service, failMethod string) *Injector {
	return &Injector{s: s, prefix: "/" + service + "/", failOn: "/" + service + "/" + failMethod}
}

func (i *Injector) shouldFail() bool {
	if i.s.ErrorRatio == 0 {
		return false
	}
	n := float64(i.calls.Add(1))
	return math.Floor(n*i.s.ErrorRatio) > math.Floor((n-1)*i.s.ErrorRatio)
}

// UnaryServerInterceptor delays the service's calls and fails a share of the failing method's. Other services
// (health, reflection) pass untouched. It goes inside the metrics interceptors, so that they see the faults.
func (i *Injector) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !i.s.Active() || !strings.HasPrefix(info.FullMethod, i.prefix) {
			return handler(ctx, req)
		}
		if i.s.Latency > 0 {
			timer := time.NewTimer(i.s.Latency)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil, status.FromContextError(ctx.Err()).Err()
			}
		}
		if info.FullMethod == i.failOn && i.shouldFail() {
			return nil, status.Errorf(codes.Unavailable, "injected fault (%s)", EnvErrorRatio)
		}
		return handler(ctx, req)
	}
}
