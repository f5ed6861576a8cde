package faults

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func call(t *testing.T, i *Injector, method string) error {
	t.Helper()
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	_, err := i.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: method}, ok)
	return err
}

func TestErrorRatioIsExactAndEven(t *testing.T) {
	i, err := New("svc.S", 0.25, 0)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for n := 1; n <= 100; n++ {
		if err := call(t, i, "/svc.S/M"); err != nil {
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("call %d: code %v, want Unavailable", n, status.Code(err))
			}
			if n%4 != 0 {
				t.Fatalf("call %d failed; with ratio 0.25 only every 4th call fails", n)
			}
			failed++
		}
	}
	if failed != 25 {
		t.Fatalf("%d of 100 calls failed, want 25", failed)
	}
}

func TestOtherServicesAreUntouched(t *testing.T) {
	i, _ := New("svc.S", 1, time.Hour)
	if err := call(t, i, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"); err != nil {
		t.Fatalf("reflection call failed: %v", err)
	}
}

func TestLatencyDelaysAndHonoursDeadline(t *testing.T) {
	i, _ := New("svc.S", 0, 50*time.Millisecond)
	start := time.Now()
	if err := call(t, i, "/svc.S/M"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("call took %v, want at least 50ms", d)
	}
	slow, _ := New("svc.S", 0, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := slow.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/svc.S/M"},
		func(context.Context, any) (any, error) { return "ok", nil })
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("code %v, want DeadlineExceeded", status.Code(err))
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, ratio := range []float64{-0.1, 1.5} {
		if _, err := New("svc.S", ratio, 0); err == nil {
			t.Errorf("ratio %v accepted", ratio)
		}
	}
	if _, err := New("svc.S", 0, -time.Second); err == nil {
		t.Error("negative latency accepted")
	}
}
