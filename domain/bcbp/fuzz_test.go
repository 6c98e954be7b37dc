package bcbp_test

import (
	"testing"

	"github.com/skybridge/skybridge/domain/bcbp"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts has the
// shape it promises.
func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.in)
	}
	for _, c := range passCases(f) {
		if s, err := bcbp.Encode(c.pass); err == nil {
			f.Add(s)
		}
	}
	f.Add("")
	f.Add("M1")
	f.Add("M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 1FF")
	f.Add("M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 101>")
	f.Add("M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100^1FF")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := bcbp.Decode(s)
		if err != nil {
			return
		}
		if len(p.Legs) < 1 || len(p.Legs) > 4 {
			t.Fatalf("accepted %q with %d legs", s, len(p.Legs))
		}
		for _, l := range p.Legs {
			if l.DayOfYear < 1 || l.DayOfYear > 366 || l.Flight < 0 || l.Flight > 9999 {
				t.Fatalf("accepted %q with leg %+v", s, l)
			}
		}
	})
}
