package bcbp_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

const security = "GIWVC5EH7JNT684FVNJ91W2QA4DVN5J8K4F0L0GEQ3DF5TGBN8709HKT5D3DW3GBHFCVHMY7J5T6HFR41W2QA4DVN5J8K4F0L0GE"

// IATA Resolution 792 Attachment B examples and real passes, as collected in
// martinmroz/iata_bcbp tests/iata_792_b.rs (MIT).
var vectors = []struct {
	name string
	in   string
	want bcbp.Pass
}{
	{
		name: "mandatory items only",
		in:   "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100",
		want: bcbp.Pass{Name: "DESMARAIS/LUC", ETicket: "E", Legs: []bcbp.Leg{{
			PNR: "ABC123", From: "YUL", To: "FRA", Carrier: "AC", Flight: 834, DayOfYear: 326,
			Compartment: "J", Seat: "001A", Sequence: "0025", Status: "1",
		}}},
	},
	{
		name: "mandatory items and security",
		in:   "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100^164" + security,
		want: bcbp.Pass{Name: "DESMARAIS/LUC", ETicket: "E", Legs: []bcbp.Leg{{
			PNR: "ABC123", From: "YUL", To: "FRA", Carrier: "AC", Flight: 834, DayOfYear: 326,
			Compartment: "J", Seat: "001A", Sequence: "0025", Status: "1",
		}}, SecurityType: "1", Security: security},
	},
	{
		name: "two legs",
		in: "M2DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 14D>6181WW6225BAC 00141234560032A0141234567890 1AC AC 1234567890123    20KYLX58Z" +
			"DEF456 FRAGVALH 3664 227C012C0002 12E2A0140987654321 1AC AC 1234567890123    2PCNWQ^164" + security,
		want: bcbp.Pass{
			Name: "DESMARAIS/LUC", ETicket: "E", Version: 6,
			PassengerDescription: "1", CheckInSource: "W", IssuanceSource: "W", IssueDate: "6225",
			DocumentType: "B", Issuer: "AC", BagTags: "0014123456003",
			SecurityType: "1", Security: security,
			Legs: []bcbp.Leg{{
				PNR: "ABC123", From: "YUL", To: "FRA", Carrier: "AC", Flight: 834, DayOfYear: 226,
				Compartment: "F", Seat: "001A", Sequence: "0025", Status: "1",
				AirlineCode: "014", SerialNumber: "1234567890", DocumentVerification: "1",
				MarketingCarrier: "AC", FrequentFlyerAirline: "AC", FrequentFlyerNumber: "1234567890123",
				FreeBaggage: "20K", FastTrack: "Y", AirlineUse: "LX58Z",
			}, {
				PNR: "DEF456", From: "FRA", To: "GVA", Carrier: "LH", Flight: 3664, DayOfYear: 227,
				Compartment: "C", Seat: "012C", Sequence: "0002", Status: "1",
				AirlineCode: "014", SerialNumber: "0987654321", DocumentVerification: "1",
				MarketingCarrier: "AC", FrequentFlyerAirline: "AC", FrequentFlyerNumber: "1234567890123",
				FreeBaggage: "2PC", FastTrack: "N", AirlineUse: "WQ",
			}},
		},
	},
	{
		name: "LH home printed, version 2",
		in:   "M1TEST/HIDDEN         E8OQ6FU FRARLGLH 4010 012C004D0001 35C>2180WW6012BLH              2922023642241060 LH                        *30600000K09         ",
		want: bcbp.Pass{
			Name: "TEST/HIDDEN", ETicket: "E", Version: 2,
			PassengerDescription: "0", CheckInSource: "W", IssuanceSource: "W", IssueDate: "6012",
			DocumentType: "B", Issuer: "LH",
			Legs: []bcbp.Leg{{
				PNR: "8OQ6FU", From: "FRA", To: "RLG", Carrier: "LH", Flight: 4010, DayOfYear: 12,
				Compartment: "C", Seat: "004D", Sequence: "0001", Status: "3",
				AirlineCode: "220", SerialNumber: "2364224106", Selectee: "0", MarketingCarrier: "LH",
				AirlineUse: "*30600000K09",
			}},
		},
	},
	{
		name: "KL home printed, short conditional blocks",
		in:   "M1TEST/PETER          E24Z5RN AMSBRUKL 1733 019M008A0001 316>503  W0D0742497067621",
		want: bcbp.Pass{
			Name: "TEST/PETER", ETicket: "E", Version: 5, IssuanceSource: "W",
			Legs: []bcbp.Leg{{
				PNR: "24Z5RN", From: "AMS", To: "BRU", Carrier: "KL", Flight: 1733, DayOfYear: 19,
				Compartment: "M", Seat: "008A", Sequence: "0001", Status: "3",
				AirlineCode: "074", SerialNumber: "2497067621",
			}},
		},
	},
	{
		name: "UA kiosk, version 3",
		in:   "M1ASKREN/TEST         EA272SL ORDNRTUA 0881 007F002K0303 15C>3180 K6007BUA              2901624760758980 UA UA EY975897            *30600    09  UAG    ",
		want: bcbp.Pass{
			Name: "ASKREN/TEST", ETicket: "E", Version: 3,
			PassengerDescription: "0", IssuanceSource: "K", IssueDate: "6007", DocumentType: "B", Issuer: "UA",
			Legs: []bcbp.Leg{{
				PNR: "A272SL", From: "ORD", To: "NRT", Carrier: "UA", Flight: 881, DayOfYear: 7,
				Compartment: "F", Seat: "002K", Sequence: "0303", Status: "1",
				AirlineCode: "016", SerialNumber: "2476075898", Selectee: "0", MarketingCarrier: "UA",
				FrequentFlyerAirline: "UA", FrequentFlyerNumber: "EY975897", AirlineUse: "*30600    09  UAG",
			}},
		},
	},
	{
		name: "LH mobile",
		in:   "M1TEST/HIDDEN         E8OQ6FU FRARLGLH 4010 012C004D0001 35C>2180WM6012BLH              2922023642241060 LH                        *30600000K09         ",
		want: bcbp.Pass{
			Name: "TEST/HIDDEN", ETicket: "E", Version: 2,
			PassengerDescription: "0", CheckInSource: "W", IssuanceSource: "M", IssueDate: "6012",
			DocumentType: "B", Issuer: "LH",
			Legs: []bcbp.Leg{{
				PNR: "8OQ6FU", From: "FRA", To: "RLG", Carrier: "LH", Flight: 4010, DayOfYear: 12,
				Compartment: "C", Seat: "004D", Sequence: "0001", Status: "3",
				AirlineCode: "220", SerialNumber: "2364224106", Selectee: "0", MarketingCarrier: "LH",
				AirlineUse: "*30600000K09",
			}},
		},
	},
}

func TestDecodeIATAVectors(t *testing.T) {
	t.Parallel()
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			got, err := bcbp.Decode(v.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, v.want) {
				t.Errorf("Decode =\n%+v\nwant\n%+v", got, v.want)
			}
		})
	}
}

func TestDecodeTicketNumber(t *testing.T) {
	t.Parallel()
	p, err := bcbp.Decode(vectors[4].in)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Legs[0].TicketNumber(); got != "0742497067621" {
		t.Errorf("TicketNumber = %q", got)
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	const ok = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100"
	// at replaces the characters of ok at offset i.
	at := func(i int, s string) string { return ok[:i] + s + ok[i+len(s):] }
	tests := []struct {
		name, in, msg string
	}{
		{"empty", "", "at least 60"},
		{"short", ok[:59], "at least 60"},
		{"format code", at(0, "S"), "format code"},
		{"zero legs", at(1, "0"), "number of legs"},
		{"five legs", at(1, "5"), "number of legs"},
		{"blank name", at(2, strings.Repeat(" ", 20)), "name is blank"},
		{"ticket indicator", at(22, "X"), "electronic ticket"},
		{"blank PNR", at(23, "       "), "PNR"},
		{"PNR with a gap", at(23, "AB C12 "), "PNR"},
		{"lower-case airport", at(30, "yul"), "from airport"},
		{"digit airport", at(33, "FR4"), "to airport"},
		{"carrier", at(36, "A- "), "operating carrier"},
		{"flight letters", at(39, "08A4 "), "flight number"},
		{"flight suffix digit", at(39, "08345"), "flight number"},
		{"day zero", at(44, "000"), "date of flight"},
		{"day 367", at(44, "367"), "date of flight"},
		{"compartment", at(47, "1"), "compartment"},
		{"seat", at(48, "01A "), "seat"},
		{"sequence", at(52, "A025 "), "sequence"},
		{"status", at(57, "-"), "status"},
		{"size not hex", at(58, "0G"), "not hexadecimal"},
		{"size signed", at(58, "+1"), "not hexadecimal"},
		{"size past end", at(58, "05"), "characters are left"},
		{"trailing data", ok + "X", "follow the last leg"},
		{"missing second leg", "M2" + ok[2:], "a leg needs"},
		{"non-ASCII", at(10, "Ü"), "printable ASCII"},
		{"control character", at(10, "\n"), "printable ASCII"},
		{"security length", ok + "^164ABC", "security data is 100"},
		{"security trailing", ok + "^103ABCD", "follow the security data"},
		{"version missing", ok[:58] + "01>", "version number"},
		{"unique block past field", ok[:58] + "04>6FF", "characters are left"},
		{"unique block cuts an item", ok[:58] + "08>6040WW6", "ends inside date of issue"},
		{"repeated block too long", ok[:58] + "31>600" + "2B" + strings.Repeat("1", 43), "longer than the items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := bcbp.Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%q) = %+v, want an error", tt.in, p)
			}
			if !domain.IsCode(err, domain.Invalid) {
				t.Errorf("code = %s, want invalid", domain.ErrorCode(err))
			}
			if !strings.HasPrefix(err.Error(), "decode boarding pass: offset ") {
				t.Errorf("error %q does not name the operation and offset", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestDecodeAcceptsBlankSeatAndSequence(t *testing.T) {
	t.Parallel()
	in := "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326JINF      400"
	p, err := bcbp.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Legs[0]; l.Seat != "INF" || l.Sequence != "" || l.Status != "4" {
		t.Errorf("seat, sequence, status = %q, %q, %q", l.Seat, l.Sequence, l.Status)
	}
}
