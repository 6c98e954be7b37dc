package nlu

import (
	"os"
	"runtime"
	"testing"
	"time"
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
	shared, sharedError = New(Trained(), WithClock(func() time.Time { return testNow }))
	startUp = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		modelBytes = after.HeapAlloc - before.HeapAlloc
	}
	os.Exit(m.Run())
}

// testNow is the clock of the shared classifier: Tuesday 10 March 2026.
var testNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// testAllClassifier returns the shared classifier, built for every trained
// language.
func testAllClassifier(t testing.TB) *Classifier { return testClassifier(t) }

func testClassifier(t testing.TB) *Classifier {
	t.Helper()
	if sharedError != nil {
		t.Fatalf("New: %v", sharedError)
	}
	return shared
}
