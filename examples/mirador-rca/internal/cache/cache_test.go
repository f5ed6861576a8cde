package cache

import "testing"

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[int](2)
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
	c.Put("c", 3) // evicts b: a was used more recently
	if _, ok := c.Get("b"); ok {
		t.Fatal("b should have been evicted")
	}
	for key, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(key); !ok || v != want {
			t.Fatalf("Get(%s) = %d, %v; want %d, true", key, v, ok, want)
		}
	}
	if c.Len() != 2 {
		t.Fatalf("Len() = %d, want 2", c.Len())
	}
}

func TestLRUPutReplacesValue(t *testing.T) {
	c := New[string](1)
	c.Put("k", "old")
	c.Put("k", "new")
	if v, _ := c.Get("k"); v != "new" || c.Len() != 1 {
		t.Fatalf("Get(k) = %q with Len %d, want \"new\" with 1", v, c.Len())
	}
}

func TestLRUSizeZeroDisablesCaching(t *testing.T) {
	c := New[int](0)
	c.Put("a", 1)
	if _, ok := c.Get("a"); ok || c.Len() != 0 {
		t.Fatal("a cache of size 0 must keep nothing")
	}
}
