// Package cache holds what the service caches between investigations (similar incidents, the service graph,
// patterns): a Valkey or Redis server spoken to in RESP (valkey.go), or nothing at all (Noop) when none is
// configured or the configured one does not answer at start. A cache is never needed for an answer: every error
// of the cache reads as a miss to its callers.
package cache

import (
	"context"
	"encoding/json"
	"time"
)

// Cache stores opaque values under keys for a time.
type Cache interface {
	// Get returns the value under key and true, or false on a miss; an error means the cache could not answer.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key for ttl (ttl <= 0: stores nothing).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Close releases the connections.
	Close() error
}

// Noop is the cache of a service without one: every Get misses, every Set is dropped.
type Noop struct{}

// Get always misses.
func (Noop) Get(context.Context, string) ([]byte, bool, error) { return nil, false, nil }

// Set drops the value.
func (Noop) Set(context.Context, string, []byte, time.Duration) error { return nil }

// Close does nothing.
func (Noop) Close() error { return nil }

// Load reads the JSON value under key into out; false on a miss, a cache error or a value that does not decode.
func Load(ctx context.Context, c Cache, key string, out any) bool {
	data, ok, err := c.Get(ctx, key)
	if err != nil || !ok {
		return false
	}
	return json.Unmarshal(data, out) == nil
}

// Store writes v as JSON under key for ttl; a cache that cannot take it is ignored (the next Load misses).
func Store(ctx context.Context, c Cache, key string, v any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	_ = c.Set(ctx, key, data, ttl)
}
