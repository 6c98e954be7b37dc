package nlu

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// shared is built once for the whole test binary; TestMain measures what
// building it costs before any other test has loaded a model.
var (
	shared      *Classifier
	sharedError error
	startUp     time.Duration
	modelBytes  uint64
)

func TestMain(m *testing.M) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	shared, sharedError = New(domain.Languages)
	startUp = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		modelBytes = after.HeapAlloc - before.HeapAlloc
	}
	os.Exit(m.Run())
}

func testClassifier(t testing.TB) *Classifier {
	t.Helper()
	if sharedError != nil {
		t.Fatalf("New: %v", sharedError)
	}
	return shared
}
