package boardingpass

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/skybridge/skybridge/domain"
)

// Page layout in millimetres on A5 portrait (148 × 210).
const (
	pageW    = 148.0
	margin   = 10.0
	contentW = pageW - 2*margin
	// barcodeMM is the printed width of the Aztec symbol with its quiet zone: about
	// 1 mm per module, which paper scanners read comfortably.
	barcodeMM = 50.0
)

// minFontSize is the smallest size a value is shrunk to before it is cut.
const minFontSize = 7.0

// gateUnknown is printed while no gate is assigned.
const gateUnknown = "See departure screens"

var cabinNames = map[domain.Cabin]string{
	domain.Economy:  "Economy",
	domain.Premium:  "Premium Economy",
	domain.Business: "Business",
	domain.First:    "First",
}

// PDF returns a one-page A5 boarding pass: the airline, the passenger, the booking
// reference, the flight and its airports, the date and the departure and boarding
// times in the origin airport's local time with the zone abbreviation, gate,
// terminal, seat, cabin, sequence and ticket number, and the barcode.
//
// Labels are in English. Text is set in the PDF core fonts through the Windows-1252
// code page, which holds the letters of western European names ("Müller",
// "François", "João"); other Latin letters are printed without their accent.
func (r *Renderer) PDF(p domain.BoardingPass) ([]byte, error) {
	img, err := symbol(p)
	if err != nil {
		return nil, fmt.Errorf("render boarding pass: %w", err)
	}
	var code bytes.Buffer
	if err := png.Encode(&code, img); err != nil {
		return nil, fmt.Errorf("render boarding pass: encode barcode: %w", err)
	}

	pdf := fpdf.New("P", "mm", "A5", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetCatalogSort(true)
	if !p.IssuedAt.IsZero() {
		// A fixed date makes the same pass produce the same bytes.
		pdf.SetCreationDate(p.IssuedAt)
		pdf.SetModificationDate(p.IssuedAt)
	}
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	w := &writer{pdf: pdf, tr: tr}
	pdf.SetTitle(w.text("Boarding pass "+p.Flight.String()), false)
	pdf.SetCreator(w.text(r.airline(p)), false)
	pdf.AddPage()

	r.header(w, p)
	w.field(margin, 34, contentW, "Passenger", p.Name.String(), 15)

	w.airport(margin, 50, "From", p.Origin)
	w.airport(margin+contentW/2, 50, "To", p.Destination)

	dep := local(p.Departure, p.Origin.Location)
	boarding := ""
	if !p.BoardingTime.IsZero() {
		boarding = local(p.BoardingTime, p.Origin.Location).Format("15:04 MST")
	}
	w.row(76, []cell{
		{26, "Flight", p.Flight.String(), 12},
		{38, "Date", dep.Format("Mon 2 Jan 2006"), 12},
		{32, "Departure", dep.Format("15:04 MST"), 12},
		{32, "Boarding", boarding, 12},
	})
	gate := cell{64, "Gate", p.Gate, 12}
	if strings.TrimSpace(p.Gate) == "" {
		gate.value, gate.size = gateUnknown, 10
	}
	terminal := cell{32, "Terminal", p.Terminal, 12}
	if strings.TrimSpace(p.Terminal) == "" {
		terminal.label = "" // unknown: leave the space empty rather than print a blank box
	}
	w.row(92, []cell{gate, terminal, {32, "Seat", seatText(p), 12}})
	w.row(108, []cell{
		{26, "Sequence", sequenceText(p.Sequence), 11},
		{38, "Cabin", cabinText(p.Cabin), 11},
		{32, "Booking ref", p.Locator.String(), 11},
		{32, "Ticket", p.TicketNumber, 10},
	})

	pdf.SetDrawColor(200, 200, 200)
	pdf.Line(margin, 123, pageW-margin, 123)
	pdf.RegisterImageOptionsReader("barcode", fpdf.ImageOptions{ImageType: "PNG"}, &code)
	side := barcodeMM * float64(img.Bounds().Dy()) / float64(img.Bounds().Dx())
	pdf.ImageOptions("barcode", (pageW-barcodeMM)/2, 128, barcodeMM, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")

	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(margin, 128+side+4)
	pdf.MultiCell(contentW, 4, w.text(fmt.Sprintf(
		"Times are local to %s (%s). Show this barcode at security and at the gate, on paper or on your phone.",
		p.Origin.City, p.Origin.Code)), "", "C", false)

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("render boarding pass: %w", err)
	}
	return out.Bytes(), nil
}

func (r *Renderer) airline(p domain.BoardingPass) string {
	if r.Airline != "" {
		return r.Airline
	}
	return string(p.Flight.Carrier)
}

// header draws the airline band across the top of the page.
func (r *Renderer) header(w *writer, p domain.BoardingPass) {
	pdf := w.pdf
	pdf.SetFillColor(18, 52, 110)
	pdf.Rect(0, 0, pageW, 26, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("Helvetica", "B", 17)
	pdf.SetXY(margin, 8)
	pdf.CellFormat(contentW/2+10, 10, w.text(r.airline(p)), "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(contentW/2-10, 10, "BOARDING PASS", "", 0, "R", false, 0, "")
}

// writer draws labelled values and turns UTF-8 into the core fonts' code page.
type writer struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
}

// cell is one labelled value of a row: its width in millimetres and font size.
type cell struct {
	width        float64
	label, value string
	size         float64
}

// row draws cells from the left margin; a cell without a label only takes its space.
func (w *writer) row(y float64, cells []cell) {
	x := margin
	for _, c := range cells {
		if c.label != "" {
			w.field(x, y, c.width, c.label, c.value, c.size)
		}
		x += c.width
	}
}

// field draws a small grey label above a value.
func (w *writer) field(x, y, width float64, label, value string, size float64) {
	pdf := w.pdf
	pdf.SetTextColor(110, 110, 110)
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetXY(x, y)
	pdf.CellFormat(width, 4, strings.ToUpper(label), "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	text := w.text(value)
	pdf.SetFont("Helvetica", "B", size)
	// A long value (a long name) is set smaller before it is cut.
	for fs := size; fs > minFontSize && pdf.GetStringWidth(text) > width-1; fs -= 0.5 {
		pdf.SetFontSize(fs - 0.5)
	}
	pdf.SetXY(x, y+4.5)
	pdf.CellFormat(width, size*0.45, w.fit(text, width-1), "", 0, "L", false, 0, "")
}

// airport draws the airport code large with the city and the airport's name below.
func (w *writer) airport(x, y float64, label string, a domain.Airport) {
	pdf := w.pdf
	width := contentW / 2
	pdf.SetTextColor(110, 110, 110)
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetXY(x, y)
	pdf.CellFormat(width, 4, strings.ToUpper(label), "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("Helvetica", "B", 24)
	pdf.SetXY(x, y+4.5)
	pdf.CellFormat(width, 10, string(a.Code), "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetXY(x, y+15)
	pdf.CellFormat(width, 4.5, w.fit(w.text(a.City), width-2), "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetXY(x, y+19.5)
	pdf.CellFormat(width, 4, w.fit(w.text(a.Name), width-2), "", 0, "L", false, 0, "")
}

// text converts s to Windows-1252. A letter outside the code page is replaced by its
// unaccented form where the domain's name folding knows one, keeping its case, and by
// "?" otherwise; the translator alone would print a dot.
func (w *writer) text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		if t := w.tr(string(r)); t != "." {
			b.WriteString(t)
			continue
		}
		up := strings.ToUpper(string(r))
		f := domain.FoldName(up)
		if f == "" || f == up || !isASCII(f) {
			b.WriteByte('?')
			continue
		}
		if up != string(r) { // r was lower case
			f = strings.ToLower(f)
		}
		b.WriteString(f)
	}
	return b.String()
}

// fit shortens an already translated s with an ellipsis so that it fits width in the
// current font.
func (w *writer) fit(s string, width float64) string {
	if w.pdf.GetStringWidth(s) <= width {
		return s
	}
	const ellipsis = "..."
	for len(s) > 0 && w.pdf.GetStringWidth(s+ellipsis) > width {
		s = s[:len(s)-1]
	}
	return s + ellipsis
}

func seatText(p domain.BoardingPass) string {
	if p.Seat == "" || strings.EqualFold(p.Seat, "INF") {
		return "Infant"
	}
	return p.Seat
}

func sequenceText(n int) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%04d", n)
}

func cabinText(c domain.Cabin) string {
	if n, ok := cabinNames[c]; ok {
		return n
	}
	return string(c)
}

// local returns t in loc, or t as it is when loc is nil.
func local(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t
	}
	return t.In(loc)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
