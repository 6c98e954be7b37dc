package boardingpass_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/boardingpass"
)

// scan reads an Aztec symbol the way a scanner app would, from the picture alone.
func scan(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := aztec.NewAztecReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("scan aztec: %v", err)
	}
	return res.GetText()
}

func TestBarcodeScansBackToBCBP(t *testing.T) {
	t.Parallel()
	base := fixture(t)
	tests := []struct {
		name   string
		change func(p *domain.BoardingPass)
	}{
		{"adult", func(*domain.BoardingPass) {}},
		{"infant without seat", func(p *domain.BoardingPass) {
			p.PaxType, p.Seat, p.Sequence, p.Name.Given = domain.Infant, "", 0, "João"
		}},
		{"long name and suffix", func(p *domain.BoardingPass) {
			p.Name.Surname = "Wolfeschlegelsteinhausenbergerdorff"
			p.Flight.Suffix = "A"
		}},
	}
	r := boardingpass.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.change(&p)
			p = withBCBP(t, p)
			b, err := r.Barcode(p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("barcode is not a PNG: %v", err)
			}
			// A phone screen shows it at a size a gate scanner reads: at least 300
			// pixels and square.
			if bd := img.Bounds(); bd.Dx() < 300 || bd.Dx() != bd.Dy() {
				t.Errorf("barcode is %dx%d pixels", bd.Dx(), bd.Dy())
			}
			if got := scan(t, img); got != p.BCBP {
				t.Errorf("scanned %q\nwant    %q", got, p.BCBP)
			}
		})
	}
}

func TestBarcodeRejectsInvalidData(t *testing.T) {
	t.Parallel()
	r := boardingpass.New()
	for _, s := range []string{"", "not a boarding pass", fixture(t).BCBP[:59]} {
		p := fixture(t)
		p.BCBP = s
		if _, err := r.Barcode(p); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("Barcode(%q) error = %v, want invalid", s, err)
		}
		if _, err := r.PDF(p); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("PDF(%q) error = %v, want invalid", s, err)
		}
	}
}
