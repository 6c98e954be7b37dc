package bcbp_test

import (
	"testing"

	"github.com/skybridge/skybridge/domain/bcbp"
)

func BenchmarkEncode(b *testing.B) {
	p := passCases(b)[0].pass
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bcbp.Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	s := vectors[2].in
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bcbp.Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}
