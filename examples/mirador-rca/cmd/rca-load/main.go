// Command rca-load sends a steady stream of rca.v1.RCAEngine calls to one endpoint for a bounded time, so that a canary
// serves real traffic while its SLOs are watched (the soak of RELEASE-PROCESS.md step 5.3).
//
//	rca-load --target 127.0.0.1:50051 --duration 2m --rate 20
//
// Flags:
//
//	--target     host:port of the gRPC endpoint (plaintext)
//	--duration   how long to send (bounded: at most 2h)
//	--rate       calls per second (1..1000)
//	--incidents  distinct incident ids investigated (default 20)
//
// The mix is 70% InvestigateIncident (a one-hour time_range, affected service "checkout", tenant "load"), 15%
// GetPatterns, 15% ListCorrelations. At the end it prints one JSON line with the
// calls sent, the errors by gRPC code and the latency quantiles; it exits 1 when it could not connect at all.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"google.golang.org/protobuf/types/known/timestamppb"

	rcav1 "github.com/miradorstack/mirador-rca/internal/grpc/generated"
)

type report struct {
	Calls  int            `json:"calls"`
	Errors map[string]int `json:"errors"`
	P50Ms  float64        `json:"p50_ms"`
	P99Ms  float64        `json:"p99_ms"`
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "host:port of the RCAEngine endpoint")
	duration := flag.Duration("duration", time.Minute, "how long to send calls (at most 2h)")
	rate := flag.Int("rate", 20, "calls per second (1..1000)")
	incidents := flag.Int("incidents", 20, "distinct incidents investigated")
	flag.Parse()
	if *duration <= 0 || *duration > 2*time.Hour || *rate < 1 || *rate > 1000 || *incidents < 1 {
		fmt.Fprintln(os.Stderr, "rca-load: --duration must be in (0, 2h], --rate in 1..1000, --incidents >= 1")
		os.Exit(2)
	}
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "rca-load: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := rcav1.NewRCAEngineClient(conn)

	var mu sync.Mutex
	r := report{Errors: map[string]int{}}
	var latencies []time.Duration
	var wg sync.WaitGroup
	ticker := time.NewTicker(time.Second / time.Duration(*rate))
	defer ticker.Stop()
	deadline := time.After(*duration)
	for i := 0; ; i++ {
		select {
		case <-deadline:
			wg.Wait()
			finish(r, latencies)
			return
		case <-ticker.C:
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := call(ctx, client, i, *incidents)
			mu.Lock()
			defer mu.Unlock()
			r.Calls++
			latencies = append(latencies, time.Since(start))
			if err != nil {
				r.Errors[status.Code(err).String()]++
			}
		}(i)
	}
}

// loadWindow is the time range every investigation asks about (2026-01-01, one hour).
var loadWindow = &rcav1.TimeRange{
	Start: timestamppb.New(time.Unix(1767225600, 0)),
	End:   timestamppb.New(time.Unix(1767229200, 0)),
}

func call(ctx context.Context, c rcav1.RCAEngineClient, i, incidents int) error {
	incident := fmt.Sprintf("INC-LOAD-%d", i%incidents)
	switch i % 20 {
	case 0, 1, 2:
		_, err := c.GetPatterns(ctx, &rcav1.GetPatternsRequest{TenantId: "load", Service: "checkout"})
		return err
	case 3, 4, 5:
		_, err := c.ListCorrelations(ctx, &rcav1.ListCorrelationsRequest{TenantId: "load", Service: "checkout", PageSize: 5})
		return err
	default:
		_, err := c.InvestigateIncident(ctx, &rcav1.RCAInvestigationRequest{
			IncidentId: incident, Symptoms: []string{"checkout p99 latency above 2s"}, TimeRange: loadWindow,
			AffectedServices: []string{"checkout"}, TenantId: "load",
		})
		return err
	}
}

func finish(r report, latencies []time.Duration) {
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	q := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	r.P50Ms, r.P99Ms = q(0.5), q(0.99)
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	if r.Calls > 0 && r.Errors["Unavailable"] == r.Calls {
		os.Exit(1)
	}
}
