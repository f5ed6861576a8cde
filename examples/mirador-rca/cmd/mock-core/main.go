// Command mock-core stands in for mirador-core's RCA signal endpoints, for tests and the local infrastructure:
//
//	mock-core --addr 127.0.0.1:PORT
//
// It answers POST /api/v1/rca/metrics, /logs, /traces and /service-graph (JSON {"tenant_id","service","start",
// "end"}) with a small JSON answer inside the asked window: a latency series that jumps in its last third, error
// logs, failing spans towards "payments", and a two-edge service graph; GET /healthz answers ok. Anything else is
// 404 (405 for another method, 400 for a body that is not that JSON). It logs one JSON line with msg "listening"
// and the bound address (port 0 picks a free one), and stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type request struct {
	Tenant  string `json:"tenant_id"`
	Service string `json:"service"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mock-core: --addr %s: %v\n", *addr, err)
		os.Exit(2)
	}
	srv := &http.Server{Handler: routes(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	logger.Info("listening", "addr", l.Addr().String())
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprintln(w, "ok") })
	endpoints := map[string]func(request, time.Time, time.Duration) any{
		"metrics":       metrics,
		"logs":          logs,
		"traces":        traces,
		"service-graph": serviceGraph,
	}
	for name, answer := range endpoints {
		mux.HandleFunc("/api/v1/rca/"+name, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				w.Header().Set("Allow", http.MethodPost)
				http.Error(w, "POST only", http.StatusMethodNotAllowed)
				return
			}
			var req request
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
				http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
				return
			}
			start, err1 := time.Parse(time.RFC3339, req.Start)
			end, err2 := time.Parse(time.RFC3339, req.End)
			if err1 != nil || err2 != nil || !end.After(start) {
				http.Error(w, "start and end must be RFC 3339 times, end after start", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(answer(req, start, end.Sub(start)))
		})
	}
	return mux
}

func at(start time.Time, length time.Duration, i, n int) string {
	return start.Add(length * time.Duration(i) / time.Duration(n)).UTC().Format(time.RFC3339)
}

func metrics(_ request, start time.Time, length time.Duration) any {
	series := make([]map[string]any, 12)
	for i := range series {
		v := 0.25
		if i >= 8 {
			v = 1.1
		}
		series[i] = map[string]any{"timestamp": at(start, length, i, 12), "value": v}
	}
	return map[string]any{"series": series}
}

func logs(req request, start time.Time, length time.Duration) any {
	return map[string]any{"entries": []map[string]any{
		{"timestamp": at(start, length, 1, 4), "message": req.Service + " ok", "severity": "info", "count": 20},
		{"timestamp": at(start, length, 3, 4), "message": req.Service + " failed to reach payments", "severity": "error", "count": 42},
	}}
}

func traces(_ request, start time.Time, length time.Duration) any {
	spans := make([]map[string]any, 4)
	for i := range spans {
		status, ms := "ok", 35.0
		if i >= 2 {
			status, ms = "error", 2100
		}
		spans[i] = map[string]any{
			"trace_id": fmt.Sprintf("mock-trace-%d", i), "span_id": fmt.Sprintf("mock-span-%d", i),
			"service": "payments", "operation": "POST /charge", "duration_ms": ms, "status": status,
			"timestamp": at(start, length, i, 4),
		}
	}
	return map[string]any{"spans": spans}
}

func serviceGraph(_ request, _ time.Time, _ time.Duration) any {
	return map[string]any{"edges": []map[string]any{
		{"source": "checkout", "target": "payments", "call_rate": 95.0, "error_rate": 0.22},
		{"source": "checkout", "target": "inventory", "call_rate": 60.0, "error_rate": 0.0},
	}}
}
