package bcbp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/skybridge/skybridge/domain/bcbp"
)

// independent is what testdata/independent/decode.js prints for one string, read by
// the npm package bcbp (an implementation that shares no code with this package).
type independent struct {
	Legs             int    `json:"legs"`
	Name             string `json:"name"`
	PNR              string `json:"pnr"`
	From             string `json:"from"`
	To               string `json:"to"`
	Carrier          string `json:"carrier"`
	Flight           string `json:"flight"`
	DayOfYear        int    `json:"dayOfYear"`
	Cabin            string `json:"cabin"`
	Seat             string `json:"seat"`
	Sequence         string `json:"sequence"`
	Status           string `json:"status"`
	Version          int    `json:"version"`
	Description      string `json:"description"`
	DocumentType     string `json:"documentType"`
	Issuer           string `json:"issuer"`
	Ticket           string `json:"ticket"`
	MarketingCarrier string `json:"marketingCarrier"`
}

type independentRequest struct {
	BCBP          string `json:"bcbp"`
	ReferenceYear int    `json:"referenceYear"`
}

// decodeIndependently runs the npm parser on the strings. It skips the test when
// node or the installed package is missing, except on CI (CI=true), where a missing
// parser is a failure: run `npm ci --prefix domain/bcbp/testdata/independent` first.
func decodeIndependently(t *testing.T, reqs []independentRequest) []independent {
	t.Helper()
	dir := filepath.Join("testdata", "independent")
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "bcbp", "package.json")); err != nil {
		missing = "the npm package bcbp is not installed (npm ci --prefix domain/bcbp/testdata/independent)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("independent BCBP parser unavailable on CI: %s", missing)
		}
		t.Skipf("independent BCBP parser unavailable: %s", missing)
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "decode.js")
	cmd.Dir = dir
	// The package turns days into JavaScript dates in the local zone; pin it.
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node decode.js: %v\n%s", err, stderr.String())
	}
	var got []independent
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("read node output %q: %v", out, err)
	}
	if len(got) != len(reqs) {
		t.Fatalf("node decoded %d strings, want %d", len(got), len(reqs))
	}
	return got
}

// TestIndependentParserReadsEncodedPasses checks Encode's output against a parser
// that Skybridge did not write, item by item, with the values taken from the domain
// pass rather than from Decode.
func TestIndependentParserReadsEncodedPasses(t *testing.T) {
	t.Parallel()
	cases := passCases(t)
	reqs := make([]independentRequest, len(cases))
	for i, c := range cases {
		s, err := bcbp.Encode(c.pass)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		reqs[i] = independentRequest{BCBP: s, ReferenceYear: c.pass.Departure.In(c.pass.Origin.Location).Year()}
	}
	got := decodeIndependently(t, reqs)
	for i, c := range cases {
		p := c.pass
		want := independent{
			Legs:             1,
			Name:             c.wantName,
			PNR:              string(p.Locator),
			From:             string(p.Origin.Code),
			To:               string(p.Destination.Code),
			Carrier:          string(p.Flight.Carrier),
			Flight:           fmt.Sprintf("%04d%s", p.Flight.Number, p.Flight.Suffix),
			DayOfYear:        c.wantDay,
			Cabin:            string(p.Cabin),
			Seat:             c.wantSeat,
			Sequence:         c.wantSeq,
			Status:           "1",
			Version:          bcbp.Version,
			Description:      c.wantDesc,
			DocumentType:     "B",
			Issuer:           string(p.Flight.Carrier),
			Ticket:           p.TicketNumber,
			MarketingCarrier: string(p.Flight.Carrier),
		}
		if got[i] != want {
			t.Errorf("%s: npm bcbp read %q as\n%+v\nwant\n%+v", c.name, reqs[i].BCBP, got[i], want)
		}
	}
}

// TestIndependentParserAgreesOnVectors checks that Decode and the npm parser read the
// IATA examples alike.
func TestIndependentParserAgreesOnVectors(t *testing.T) {
	t.Parallel()
	reqs := make([]independentRequest, len(vectors))
	for i, v := range vectors {
		reqs[i] = independentRequest{BCBP: v.in, ReferenceYear: 2026}
	}
	got := decodeIndependently(t, reqs)
	for i, v := range vectors {
		d, err := bcbp.Decode(v.in)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		l := d.Legs[0]
		want := independent{
			Legs: len(d.Legs), Name: d.Name, PNR: l.PNR, From: l.From, To: l.To, Carrier: l.Carrier,
			Flight: fmt.Sprintf("%04d%s", l.Flight, l.FlightSuffix), DayOfYear: l.DayOfYear,
			Cabin: l.Compartment, Seat: l.Seat, Sequence: l.Sequence, Status: l.Status,
			Version: d.Version, Description: d.PassengerDescription, DocumentType: d.DocumentType,
			Issuer: d.Issuer, Ticket: l.TicketNumber(), MarketingCarrier: l.MarketingCarrier,
		}
		if got[i] != want {
			t.Errorf("%s: npm bcbp\n%+v\nDecode\n%+v", v.name, got[i], want)
		}
	}
}
