// Package cache is the in-process LRU cache of investigations.
package cache

import (
	"container/list"
	"sync"
)

// LRU is a fixed-size least-recently-used cache, safe for concurrent use. A size of 0 or less disables it:
// every Get misses and Put keeps nothing.
type LRU[V any] struct {
	mu    sync.Mutex
	size  int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type entry[V any] struct {
	key   string
	value V
}

// New returns an empty cache that holds at most size entries.
func New[V any](size int) *LRU[V] {
	return &LRU[V]{size: size, order: list.New(), items: make(map[string]*list.Element)}
}

// Get returns the value for key and whether it was there, and marks it as recently used.
func (c *LRU[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry[V]).value, true
	}
	var zero V
	return zero, false
}

// Put stores value under key, evicting the least recently used entry when the cache is full.
func (c *LRU[V]) Put(key string, value V) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*entry[V]).value = value
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry[V]{key: key, value: value})
	if c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*entry[V]).key)
	}
}

// Len is the number of entries held.
func (c *LRU[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
