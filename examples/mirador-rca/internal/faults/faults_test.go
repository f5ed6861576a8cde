package faults

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	s, err := FromEnv(env(map[string]string{EnvErrorRatio: "0.25", EnvLatency: "40ms", EnvStartup: "hang"}))
	if err != nil || s.ErrorRatio != 0.25 || s.Latency != 40*time.Millisecond || s.Startup != "hang" || !s.Active() {
		t.Fatalf("%+v %v", s, err)
	}
	if s, err := FromEnv(env(nil)); err != nil || s.Active() || s.Startup != "" {
		t.Fatalf("%+v %v", s, err)
	}
	_, err = FromEnv(env(map[string]string{EnvErrorRatio: "1.5", EnvLatency: "soon", EnvStartup: "explode"}))
	for _, want := range []string{`MIRADOR_FAULT_ERROR_RATIO="1.5"`, `MIRADOR_FAULT_LATENCY="soon"`, `MIRADOR_FAULT_STARTUP="explode"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
}

func call(i *Injector, method string) (time.Duration, codes.Code) {
	start := time.Now()
	_, err := i.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: method},
		func(context.Context, any) (any, error) { return "ok", nil })
	return time.Since(start), status.Code(err)
}

func TestInjectorFailsTheShareOfOneMethodAndDelaysTheService(t *testing.T) {
	i := NewInjector(Settings{ErrorRatio: 0.5, Latency: 20 * time.Millisecond}, "rca.v1.RCAEngine", "InvestigateIncident")
	var got []codes.Code
	for range 4 {
		d, code := call(i, "/rca.v1.RCAEngine/InvestigateIncident")
		if d < 20*time.Millisecond {
			t.Fatalf("call took %v, want the 20ms latency", d)
		}
		got = append(got, code)
	}
	want := []codes.Code{codes.OK, codes.Unavailable, codes.OK, codes.Unavailable}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("codes %v, want %v", got, want)
		}
	}
	// Other methods of the service are delayed, never failed; other services are untouched.
	for range 4 {
		if d, code := call(i, "/rca.v1.RCAEngine/GetPatterns"); code != codes.OK || d < 20*time.Millisecond {
			t.Fatalf("GetPatterns: %v after %v", code, d)
		}
	}
	if d, code := call(i, "/grpc.health.v1.Health/Check"); code != codes.OK || d >= 20*time.Millisecond {
		t.Fatalf("health: %v after %v", code, d)
	}
}
