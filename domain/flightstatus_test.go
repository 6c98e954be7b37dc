package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

var (
	ams, _ = time.LoadLocation("Europe/Amsterdam")
	std    = time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC) // 14:00 in Amsterdam
	fkey   = domain.FlightKey{Flight: domain.FlightNumber{Carrier: "SB", Number: 123}, Date: "2026-11-26"}
)

// st builds a status: "scheduled" with an estimated departure delay in minutes,
// a gate and a terminal.
func st(phase domain.FlightPhase, delay int, gate, terminal string) domain.FlightStatusReport {
	r := domain.FlightStatusReport{Key: fkey, Phase: phase, Origin: "AMS", Destination: "LHR",
		ScheduledDeparture: std, DepartureGate: gate, DepartureTerminal: terminal}
	if delay != 0 {
		r.EstimatedDeparture = std.Add(time.Duration(delay) * time.Minute)
	}
	return r
}

// run feeds a history of statuses through DetectEvents and returns the events
// raised, as "kind/version" strings.
func run(rules domain.NotifyRules, history ...domain.FlightStatusReport) []string {
	var told domain.Notified
	var out []string
	for _, r := range history {
		var evs []domain.FlightEvent
		evs, told = domain.DetectEvents(told, r, rules, std)
		for _, e := range evs {
			out = append(out, fmt.Sprintf("%s/%d", e.Kind, e.Version))
		}
	}
	return out
}

func TestDetectEvents(t *testing.T) {
	def := domain.DefaultNotifyRules()
	noDelay := domain.DefaultNotifyRules()
	noDelay.Kinds = map[domain.FlightEventKind]domain.NotifyRule{}
	for k, v := range def.Kinds {
		noDelay.Kinds[k] = v
	}
	noDelay.Kinds[domain.EventDelay] = domain.NotifyRule{Enabled: false, ThresholdMinutes: 15}
	S, B, G := domain.PhaseScheduled, domain.PhaseBoarding, domain.PhaseGateClose

	tests := []struct {
		name    string
		rules   domain.NotifyRules
		history []domain.FlightStatusReport
		want    []string
	}{
		{"on time, nothing to say", def, []domain.FlightStatusReport{st(S, 0, "", ""), st(S, 0, "", "")}, nil},
		{"delay creeping up five minutes at a time is told once it adds up, then again after 15 more", def,
			[]domain.FlightStatusReport{st(S, 5, "", ""), st(S, 10, "", ""), st(S, 15, "", ""), st(S, 20, "", ""),
				st(S, 25, "", ""), st(S, 30, "", "")},
			[]string{"delay/1", "delay/2"}},
		{"delay shrinking is told as an earlier departure once it moves back enough", def,
			[]domain.FlightStatusReport{st(S, 60, "", ""), st(S, 55, "", ""), st(S, 45, "", ""), st(S, 40, "", ""), st(S, 20, "", "")},
			[]string{"delay/1", "earlier/1", "earlier/2"}},
		{"a small wobble around the schedule says nothing", def,
			[]domain.FlightStatusReport{st(S, 10, "", ""), st(S, -5, "", ""), st(S, 5, "", "")}, nil},
		{"first gate assignment is not a change; later changes are", def,
			[]domain.FlightStatusReport{st(S, 0, "D7", ""), st(S, 0, "D9", ""), st(S, 0, "D9", "")},
			[]string{"gate_change/1"}},
		{"gate flapping: every flip that changes what was told is told", def,
			[]domain.FlightStatusReport{st(S, 0, "D7", ""), st(S, 0, "D9", ""), st(S, 0, "D7", ""), st(S, 0, "D9", "")},
			[]string{"gate_change/1", "gate_change/2", "gate_change/3"}},
		{"terminal change carries the gate and is one message", def,
			[]domain.FlightStatusReport{st(S, 0, "D7", "2"), st(S, 0, "B3", "3")},
			[]string{"terminal_change/1"}},
		{"boarding then gate closing", def,
			[]domain.FlightStatusReport{st(S, 0, "D7", ""), st(B, 0, "D7", ""), st(B, 0, "D7", ""), st(G, 0, "D7", "")},
			[]string{"boarding/1", "gate_closing/1"}},
		{"boarding interrupted by a delay is told again when it restarts", def,
			[]domain.FlightStatusReport{st(B, 0, "D7", ""), st(S, 40, "D7", ""), st(B, 40, "D7", "")},
			[]string{"boarding/1", "delay/1", "boarding/2"}},
		{"cancellation then reinstatement", def,
			[]domain.FlightStatusReport{st(S, 30, "", ""), st(domain.PhaseCancelled, 0, "", ""),
				st(domain.PhaseCancelled, 0, "", ""), st(S, 90, "D4", "")},
			[]string{"delay/1", "cancelled/1", "reinstated/1"}},
		{"after reinstatement the baseline is what was told in it", def,
			[]domain.FlightStatusReport{st(domain.PhaseCancelled, 0, "", ""), st(S, 90, "D4", ""), st(S, 95, "D4", ""),
				st(S, 110, "D5", "")},
			[]string{"cancelled/1", "reinstated/1", "delay/1", "gate_change/1"}},
		{"diversion", def,
			func() []domain.FlightStatusReport {
				d := st(domain.PhaseDiverted, 0, "D7", "")
				d.DivertedTo = "BRU"
				return []domain.FlightStatusReport{st(domain.PhaseDeparted, 0, "D7", ""), d, d}
			}(),
			[]string{"diverted/1"}},
		{"arrival, then the belt when it is known", def,
			func() []domain.FlightStatusReport {
				a := st(domain.PhaseArrived, 0, "", "")
				b := a
				b.BaggageBelt = "12"
				return []domain.FlightStatusReport{st(domain.PhaseDeparted, 0, "", ""), a, b, b}
			}(),
			[]string{"arrived/1", "arrived/2"}},
		{"a lagging source after boarding was told says nothing", def,
			[]domain.FlightStatusReport{st(B, 0, "D7", ""), st(S, 0, "D7", ""), st(S, 5, "D7", ""), st(B, 0, "D7", "")},
			[]string{"boarding/1"}},
		{"a stale pre-departure report after departure says nothing", def,
			[]domain.FlightStatusReport{st(S, 0, "D7", ""), st(domain.PhaseDeparted, 0, "D7", ""), st(S, 45, "D9", "")}, nil},
		{"nothing after departure but the arrival", def,
			[]domain.FlightStatusReport{st(domain.PhaseDeparted, 0, "D7", ""), st(domain.PhaseDeparted, 45, "D9", "")}, nil},
		{"a disabled kind raises nothing and keeps its baseline", noDelay,
			[]domain.FlightStatusReport{st(S, 30, "", ""), st(S, 60, "", ""), st(S, 10, "", ""), st(S, -15, "", "")},
			[]string{"earlier/1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.rules, tc.history...)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("events = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDetectEventsCarriesBaseline(t *testing.T) {
	rules := domain.DefaultNotifyRules()
	evs, told := domain.DetectEvents(domain.Notified{}, st(domain.PhaseScheduled, 40, "D7", "2"), rules, std)
	if len(evs) != 1 || evs[0].Kind != domain.EventDelay || evs[0].Key != fkey || !evs[0].SeenAt.Equal(std) {
		t.Fatalf("events = %+v", evs)
	}
	if !told.Departure.Equal(std.Add(40*time.Minute)) || told.Gate != "D7" || told.Terminal != "2" {
		t.Errorf("baseline = %+v", told)
	}
	if !evs[0].Before.Departure.IsZero() {
		t.Errorf("event's Before should be the old baseline, got %+v", evs[0].Before)
	}
	// The caller's baseline is not modified.
	old := domain.Notified{Versions: map[domain.FlightEventKind]int{domain.EventDelay: 3}}
	_, next := domain.DetectEvents(old, st(domain.PhaseScheduled, 40, "", ""), rules, std)
	if old.Versions[domain.EventDelay] != 3 || next.Versions[domain.EventDelay] != 4 {
		t.Errorf("versions: old %v next %v", old.Versions, next.Versions)
	}
}

func TestQuietUntil(t *testing.T) {
	rules := domain.DefaultNotifyRules() // 22:00–07:00
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC) // 00:30 Amsterdam, 18:30 New York, 08:30 Tokyo
	tests := []struct {
		loc  *time.Location
		want string // local end of quiet hours, "" when not quiet
	}{
		{ams, "2026-11-27 07:00"},
		{ny, ""},
		{tokyo, ""},
		{time.UTC, "2026-11-27 07:00"},
	}
	for _, tc := range tests {
		got := rules.QuietUntil(at, tc.loc)
		s := ""
		if !got.IsZero() {
			s = got.In(tc.loc).Format("2006-01-02 15:04")
		}
		if s != tc.want {
			t.Errorf("%s: quiet until %q, want %q", tc.loc, s, tc.want)
		}
	}
	// Evening part of the quiet hours ends the next morning.
	evening := time.Date(2026, 11, 26, 22, 15, 0, 0, ams)
	if got := rules.QuietUntil(evening, ams); !got.Equal(time.Date(2026, 11, 27, 7, 0, 0, 0, ams)) {
		t.Errorf("evening: %v", got)
	}
	if got := rules.QuietUntil(time.Date(2026, 11, 26, 7, 0, 0, 0, ams), ams); !got.IsZero() {
		t.Errorf("07:00 is no longer quiet: %v", got)
	}
}

func TestNotifyRulesValidate(t *testing.T) {
	if p := domain.DefaultNotifyRules().Validate(); len(p) > 0 {
		t.Fatalf("defaults invalid: %v", p)
	}
	r := domain.DefaultNotifyRules()
	r.QuietStart = "25:00"
	r.RebookDelayMinutes = 5
	r.Kinds["nonsense"] = domain.NotifyRule{Enabled: true}
	r.Kinds[domain.EventDelay] = domain.NotifyRule{Enabled: true, ThresholdMinutes: 1}
	p := strings.Join(r.Validate(), "\n")
	for _, want := range []string{"25:00", "rebooking delay", "nonsense", "at least 5"} {
		if !strings.Contains(p, want) {
			t.Errorf("problems %q lack %q", p, want)
		}
	}
}

func TestFlightStatusReportValidate(t *testing.T) {
	ok := st(domain.PhaseScheduled, 30, "D7", "2")
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Key.Date = "26-11-2026"
	bad.ScheduledDeparture = time.Time{}
	bad.Phase = domain.PhaseDiverted
	bad.DepartureGate = "A-VERY-LONG-GATE"
	err := bad.Validate()
	if !domain.IsCode(err, domain.Invalid) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"YYYY-MM-DD", "scheduled departure", "diverted", "too long"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}

func TestParseFlightPhase(t *testing.T) {
	for in, want := range map[string]domain.FlightPhase{
		"Scheduled": domain.PhaseScheduled, "delayed": domain.PhaseScheduled, "Boarding": domain.PhaseBoarding,
		"GateClosed": domain.PhaseGateClose, "gate_closed": domain.PhaseGateClose, "EnRoute": domain.PhaseDeparted,
		"landed": domain.PhaseArrived, "Canceled": domain.PhaseCancelled, "cancelled": domain.PhaseCancelled,
		"redirected": domain.PhaseDiverted,
	} {
		if got, err := domain.ParseFlightPhase(in); err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := domain.ParseFlightPhase("teleported"); !domain.IsCode(err, domain.Invalid) {
		t.Errorf("unknown status: %v", err)
	}
}
