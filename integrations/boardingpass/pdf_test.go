package boardingpass_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/boardingpass"
)

var artifacts = flag.String("artifacts", "", "write each test pass as PDF and page 1 as PNG (needs pdftoppm) into this folder")

// rendered is a PDF with the text a reader sees in it.
type rendered struct {
	pdf   []byte
	runs  []string // text runs from the content streams
	plain string   // pdftotext output, "" when the tool is missing
}

func renderPDF(t *testing.T, r *boardingpass.Renderer, p domain.BoardingPass) rendered {
	t.Helper()
	b, err := r.PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("output is not a PDF: %q", b[:min(len(b), 16)])
	}
	if n := pdfPages(b); n != 1 {
		t.Errorf("PDF has %d pages, want 1", n)
	}
	out := rendered{pdf: b, runs: pdfText(t, b)}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(b)
		txt, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		out.plain = string(txt)
	}
	saveArtifacts(t, b)
	return out
}

// check asserts that each string is one of the text runs and, when pdftotext ran,
// that pdftotext finds it on the page too (which also proves that the font encoding
// maps the accented letters to the right glyphs).
func (r rendered) check(t *testing.T, want ...string) {
	t.Helper()
	for _, s := range want {
		if !slices.Contains(r.runs, s) {
			t.Errorf("PDF has no text %q; it has %q", s, r.runs)
		}
		if r.plain != "" && !strings.Contains(r.plain, s) {
			t.Errorf("pdftotext finds no %q in:\n%s", s, r.plain)
		}
	}
}

func (r rendered) checkAbsent(t *testing.T, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		for _, run := range r.runs {
			if strings.Contains(run, s) {
				t.Errorf("PDF shows %q in %q", s, run)
			}
		}
	}
}

func TestPDFShowsThePass(t *testing.T) {
	t.Parallel()
	p := fixture(t)
	doc := renderPDF(t, boardingpass.New(), p)
	doc.check(t,
		"Skybridge Air", "BOARDING PASS",
		"François Müller",
		"X7K2PQ", "SB1234",
		"AMS", "Amsterdam", "Amsterdam Airport Schiphol",
		"LIS", "Lisbon", "Humberto Delgado Airport",
		"Tue 14 Jul 2026", "10:35 CEST", "09:55 CEST",
		"D7", "1", "2A", "Business", "0025", "0742497067621",
	)
	// The core fonts must be told that the strings are Windows-1252.
	if !bytes.Contains(doc.pdf, []byte("/WinAnsiEncoding")) {
		t.Error("fonts do not use WinAnsiEncoding, accented letters would print wrong")
	}
}

func TestPDFAccentsAndZones(t *testing.T) {
	t.Parallel()
	nyc := mustLoad(t, "America/New_York")
	tests := []struct {
		name   string
		change func(p *domain.BoardingPass)
		want   []string
		absent []string
	}{
		{
			name:   "portuguese name",
			change: func(p *domain.BoardingPass) { p.Name = domain.PersonName{Given: "João", Surname: "Conceição"} },
			want:   []string{"João Conceição"},
		},
		{
			name: "letters outside windows-1252 lose their accent",
			change: func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "Łukasz", Surname: "Wałęsa-Żółć"}
			},
			want: []string{"Lukasz Walesa-Zólc"},
		},
		{
			name: "winter time and no gate or terminal yet",
			change: func(p *domain.BoardingPass) {
				p.Departure = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
				p.BoardingTime = p.Departure.Add(-40 * time.Minute)
				p.Gate, p.Terminal = "", ""
			},
			want:   []string{"Tue 1 Dec 2026", "07:00 CET", "06:20 CET", "See departure screens"},
			absent: []string{"TERMINAL", "CEST"},
		},
		{
			name: "origin west of UTC near midnight",
			change: func(p *domain.BoardingPass) {
				p.Origin = domain.Airport{Code: "JFK", City: "New York", Name: "John F. Kennedy International", Country: "USA", Location: nyc}
				p.Departure = time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC) // 23:30 on 31 Dec in New York
				p.BoardingTime = p.Departure.Add(-45 * time.Minute)
				p.IssuedAt = time.Date(2026, 12, 31, 12, 0, 0, 0, nyc)
			},
			want:   []string{"Thu 31 Dec 2026", "23:30 EST", "22:45 EST", "JFK", "New York"},
			absent: []string{"2027"},
		},
		{
			name: "long name is set smaller, not cut",
			change: func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "Hubert Blaine Maximilian", Surname: "Wolfeschlegelsteinhausenbergerdorff"}
			},
			want: []string{"Hubert Blaine Maximilian Wolfeschlegelsteinhausenbergerdorff"},
		},
		{
			name:   "infant on a lap",
			change: func(p *domain.BoardingPass) { p.PaxType, p.Seat, p.Sequence = domain.Infant, "INF", 0 },
			want:   []string{"Infant"},
		},
	}
	r := boardingpass.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := fixture(t)
			tt.change(&p)
			p = withBCBP(t, p)
			doc := renderPDF(t, r, p)
			doc.check(t, tt.want...)
			doc.checkAbsent(t, tt.absent...)
		})
	}
}

func TestPDFHeaderFallsBackToCarrier(t *testing.T) {
	t.Parallel()
	doc := renderPDF(t, &boardingpass.Renderer{}, fixture(t))
	doc.check(t, "SB")
	doc.checkAbsent(t, "Skybridge Air")
}

func TestPDFIsReproducible(t *testing.T) {
	t.Parallel()
	r := boardingpass.New()
	a, err := r.PDF(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.PDF(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same pass gave two different PDFs")
	}
}

// TestPDFBarcodeScans rasterises the page as a viewer would and scans the barcode
// printed on it. It needs pdftoppm (Debian's poppler-utils).
func TestPDFBarcodeScans(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm is not installed (apt-get install -y poppler-utils)")
	}
	p := fixture(t)
	b, err := boardingpass.New().PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	const dpi = 150
	page, err := png.Decode(bytes.NewReader(rasterise(t, b, strconv.Itoa(dpi))))
	if err != nil {
		t.Fatal(err)
	}
	// ZXing's Aztec detector looks for the bullseye from the middle of the picture,
	// as a scanner aimed at the code does: crop the page to a 70 mm square around
	// the symbol, which is 50 mm wide, centred across the page, 128 mm from the top.
	px := func(mm float64) int { return int(mm / 25.4 * dpi) }
	sub, ok := page.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("page image %T cannot be cropped", page)
	}
	img := sub.SubImage(image.Rect(px(39), px(118), px(109), px(188)))
	if got := scan(t, img); got != p.BCBP {
		t.Errorf("scanned %q from the printed page, want %q", got, p.BCBP)
	}
}

// rasterise returns page 1 of a PDF as a PNG.
func rasterise(t *testing.T, pdf []byte, dpi string) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "pass.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "page")
	cmd := exec.Command("pdftoppm", "-png", "-r", dpi, "-f", "1", "-l", "1", "-singlefile", in, root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	b, err := os.ReadFile(root + ".png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// saveArtifacts writes the PDF and its first page as PNG when -artifacts is set.
func saveArtifacts(t *testing.T, pdf []byte) {
	t.Helper()
	if *artifacts == "" {
		return
	}
	if err := os.MkdirAll(*artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(*artifacts, unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.WriteFile(base+".pdf", pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Logf("pdftoppm is not installed: wrote %s.pdf only", base)
		return
	}
	if err := os.WriteFile(base+".png", rasterise(t, pdf, "110"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s.pdf and %s.png", base, base)
}
