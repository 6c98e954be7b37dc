package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartup starts the real binary on the embedded default with an empty
// directory (migrations, content, demo airline, classifier) and reports the time
// until it serves and its resident memory once serving.
func BenchmarkStartup(b *testing.B) {
	var total time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		began := time.Now()
		in := startB(b, "SKYBRIDGE_DATABASE_URL="+filepath.Join(dir, "sky.db"))
		total += time.Since(began)
		time.Sleep(200 * time.Millisecond) // let start-up work settle
		rss += rssMiB(b, in.cmd.Process.Pid)
		in.cmd.Process.Kill()
		<-in.done
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-serving")
	b.ReportMetric(rss/float64(b.N), "MiB-rss")
}

func rssMiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Skip("no /proc: ", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
