package boardingpass_test

import (
	"testing"

	"github.com/skybridge/skybridge/integrations/boardingpass"
)

func BenchmarkBarcode(b *testing.B) {
	r, p := boardingpass.New(), fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Barcode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPDF(b *testing.B) {
	r, p := boardingpass.New(), fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.PDF(p); err != nil {
			b.Fatal(err)
		}
	}
}
