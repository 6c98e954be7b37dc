package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// step is one line of a scripted conversation: the traveller says something (or taps
// the choice whose id starts with tap) and the bot's reply must contain every want.
type step struct {
	say  string
	tap  string
	want []string
}

func run(t *testing.T, tr *traveller, steps []step) []domain.Outbound {
	t.Helper()
	var out []domain.Outbound
	for i, s := range steps {
		if s.tap != "" {
			out = tr.tap(s.tap)
		} else {
			out = tr.say(s.say)
		}
		all := strings.ToLower(transcript(out))
		for _, w := range s.want {
			if !strings.Contains(all, strings.ToLower(w)) {
				t.Fatalf("step %d (%q%q): reply lacks %q:\n%s", i+1, s.say, s.tap, w, transcript(out))
			}
		}
	}
	return out
}

// TestCheckInInEveryLanguage walks a complete check-in in each supported language,
// from free text to boarding passes, each on a different kind of booking.
func TestCheckInInEveryLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang   string
		steps  []step
		passes int
	}{
		{"en", []step{
			{say: "hello, i'd like to check in please", want: []string{"booking reference"}},
			{say: "My booking is jn7kqp, surname Jansen", want: []string{"JN7KQP", "SB1501", "Eindhoven", "Eva Jansen"}},
			{say: "yes", want: []string{"dangerous goods"}},
			{say: "yes", want: []string{"Keep"}},
			{tap: "seat:keep", want: []string{"Please check", "Eva Jansen"}},
			{say: "yes", want: []string{"You're checked in"}},
		}, 1},
		{"fr", []step{
			{say: "je voudrais m'enregistrer", want: []string{"référence"}},
			{say: "DB4LHR", want: []string{"nom de famille"}},
			{say: "dubois", want: []string{"DB4LHR", "SB1001", "Claire Dubois", "Marc Dubois"}},
			{say: "tous", want: []string{"passeport", "Claire Dubois"}},
			{say: "X1234567", want: []string{"nationalité"}},
			{say: "France", want: []string{"délivré"}},
			{tap: "same", want: []string{"expire"}},
			{say: "01/05/2031", want: []string{"naissance"}},
			{say: "12 mars 1985", want: []string{"******67", "Marc Dubois"}},
			{say: "AB9988776, Pays-Bas, 02-02-2030, 01-01-1990", want: []string{"délivré", "Identique (NLD)"}},
			{say: "NLD", want: []string{"marchandises dangereuses"}},
			{say: "oui", want: []string{"8A"}},
			{say: "oui", want: []string{"8B"}},
			{tap: "seat:keep", want: []string{"Claire Dubois — 8A", "Marc Dubois — 8B"}},
			{say: "oui", want: []string{"enregistré"}},
		}, 2},
		{"nl", []step{
			{say: "Ik wil inchecken", want: []string{"boekingscode"}},
			{say: "VR2FAM de vries", want: []string{"VR2FAM", "(kind)", "(baby)"}},
			{say: "iedereen", want: []string{"gevaarlijke"}},
			{say: "ja", want: []string{"stoel"}},
			{tap: "seat:keep"},
			{tap: "seat:keep"},
			{tap: "seat:keep", want: []string{"schoot"}},
			{tap: "yes", want: []string{"ingecheckt"}},
		}, 4},
		{"de", []step{
			{say: "Ich möchte gerne einchecken", want: []string{"Buchungscode"}},
			{say: "MU3ACC Müller", want: []string{"MU3ACC", "Lefèvre", "Gonçalves"}},
			{say: "alle", want: []string{"gefährliche Güter"}},
			{say: "ja"},
			{tap: "seat:keep"},
			{tap: "seat:keep"},
			{tap: "seat:keep", want: []string{"Müller"}},
			{say: "ja", want: []string{"eingecheckt"}},
		}, 3},
		{"es", []step{
			{say: "hola, quiero hacer el check-in", want: []string{"reserva"}},
			{say: "rs8bcn", want: []string{"apellido"}},
			{say: "Rossi", want: []string{"SB1812", "Barcelona"}},
			{say: "sí", want: []string{"pasaporte"}},
			{say: "YA1234567", want: []string{"nacionalidad"}},
			{say: "Italia", want: []string{"expidió", "(ITA)"}},
			{say: "sí", want: []string{"caduca"}},
			{say: "15/06/2030", want: []string{"nacimiento"}},
			{say: "3 de abril de 1979", want: []string{"mercancías peligrosas"}},
			{say: "sí", want: []string{"asiento"}},
			{tap: "seat:pick"},
			{say: "3A", want: []string{"3A"}},
			{say: "5c", want: []string{"5C"}},
			{say: "sí", want: []string{"Check-in hecho", "tu tarjeta"}},
		}, 1},
		{"pt", []step{
			{say: "quero fazer o check-in", want: []string{"reserva"}},
			{say: "goncalves MU3ACC", want: []string{"MU3ACC"}},
			{tap: "pax:all", want: []string{"perigosas"}},
			{tap: "yes"},
			{tap: "seat:keep"},
			{tap: "seat:keep"},
			{tap: "seat:keep"},
			{tap: "yes", want: []string{"check-in"}},
		}, 3},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			h := sqlite(t)
			tr := h.traveller(tc.lang)
			out := run(t, tr, tc.steps)
			if got := len(passes(out, domain.OutDocument)); got != tc.passes {
				t.Fatalf("%d PDF boarding passes, want %d:\n%s", got, tc.passes, transcript(out))
			}
			if got := len(passes(out, domain.OutImage)); got != tc.passes {
				t.Fatalf("%d barcodes, want %d", got, tc.passes)
			}
			if c := tr.state(); string(c.Lang) != tc.lang || c.Flow != "" {
				t.Fatalf("conversation lang=%s flow=%s, want %s and finished", c.Lang, c.Flow, tc.lang)
			}
		})
	}
}

// TestWrongSurnameAndUnknownBookingLookAlike: the reply must not reveal which of the
// two was wrong.
func TestWrongSurnameAndUnknownBookingLookAlike(t *testing.T) {
	h := sqlite(t)
	a := h.traveller("a")
	a.say("check in")
	wrongName := a.say("JN7KQP Smith")
	b := h.traveller("b")
	b.say("check in")
	unknown := b.say("ZZ9ZZZ Jansen")
	if transcript(wrongName) != transcript(unknown) {
		t.Fatalf("replies differ:\n%s\nvs\n%s", transcript(wrongName), transcript(unknown))
	}
	expect(t, unknown, "couldn't find a booking")
}

// TestLookupLockout: five failed look-ups in 15 minutes lock look-ups, even with the
// right data; after the window they work again.
func TestLookupLockout(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("guesser")
	tr.say("check in")
	for i := 0; i < 4; i++ {
		expect(t, tr.say("AAA11"+string(rune('1'+i))+" Nobody"), "couldn't find")
	}
	expect(t, tr.say("AAA119 Nobody"), "too many attempts")
	expect(t, tr.say("JN7KQP Jansen"), "too many attempts")
	h.clock.Advance(16 * time.Minute)
	tr.say("hello")
	out := tr.say("JN7KQP Jansen")
	expect(t, out, "JN7KQP", "Eva Jansen")
}

func TestIneligibleBookingsAreExplained(t *testing.T) {
	for _, tc := range []struct {
		name, locator, surname string
		want                   []string
	}{
		{"window not open yet", "TK7JFK", "Tanaka", []string{"SB641", "opens", "Amsterdam time"}},
		{"window closed", "DM4FRA", "Demir", []string{"closed", "check-in desk"}},
		{"cancelled flight", "LR6XNC", "Larsen", []string{"cancelled"}},
		{"child alone", "VS9KID", "Visser", []string{"without an adult"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sqlite(t)
			tr := h.traveller("x")
			tr.say("check in")
			out := tr.say(tc.locator + " " + tc.surname)
			expect(t, out, append([]string{"nothing I can check in"}, tc.want...)...)
			if c := tr.state(); c.Flow != "" {
				t.Fatalf("flow should end, is %s/%s", c.Flow, c.State)
			}
		})
	}
}

func TestAlreadyCheckedInGetsPassAgain(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("can you send my boarding pass")
	out := tr.say("BK3DNE bakker")
	expect(t, out, "already checked in")
	if len(passes(out, domain.OutDocument)) != 1 {
		t.Fatalf("want the boarding pass again:\n%s", transcript(out))
	}
	// Asking again re-sends the same pass, not a new one.
	first := passes(out, domain.OutDocument)[0]
	tr.say("boarding pass")
	again := tr.say("BK3DNE Bakker")
	if got := passes(again, domain.OutDocument); len(got) != 1 || got[0] != first {
		t.Fatalf("re-sent pass %v, want %s", got, first)
	}
}

func TestBadDocumentsAndSeatsAreExplainedAndAskedAgain(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	run(t, tr, []step{
		{say: "check in"},
		{say: "DB4LHR Dubois"},
		{tap: "pax:2", want: []string{"passport"}},
		{say: "12#4", want: []string{"doesn't look like a document number", "passport"}},
		{say: "P12345678", want: []string{"nationality"}},
		{say: "Atlantis", want: []string{"didn't recognise that country"}},
		{say: "Belgium", want: []string{"issued"}},
		{say: "BEL", want: []string{"expire"}},
		{say: "31-02-2030", want: []string{"didn't recognise that date"}},
		{say: "01-01-2026", want: []string{"before or on the day of travel", "expire"}},
		{say: "05-05-2032", want: []string{"date of birth"}},
		{say: "05-05-1980", want: []string{"dangerous goods"}},
		{say: "yes", want: []string{"8A"}},
		{tap: "seat:pick"},
		{say: "99Z", want: []string{"doesn't exist"}},
		{say: "8B", want: []string{"already taken"}},
		{say: "3C", want: []string{"doesn't exist"}},
		{say: "6C", want: []string{"Please check", "6C"}},
		{say: "yes", want: []string{"checked in"}},
	})
}

func TestLanguageFollowsTheTraveller(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	expect(t, tr.say("I want to check in"), "booking reference")
	expect(t, tr.say("en français s'il vous plaît"), "français", "référence")
	expect(t, tr.say("English please"), "English", "booking reference")
	if c := tr.state(); c.Lang != "en" || c.Flow != "checkin" {
		t.Fatalf("lang=%s flow=%s", c.Lang, c.Flow)
	}
	// The explicit choice survives a short message in another language.
	expect(t, tr.say("ok"), "booking reference")
}

func TestStartOverAndHumanWorkEverywhere(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("check in")
	tr.say("DB4LHR Dubois")
	expect(t, tr.say("start over"), "start again", "What can I do")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("flow %s after start over", c.Flow)
	}
	tr.say("check in")
	expect(t, tr.say("I want to talk to a person"), "colleague")
	if c := tr.state(); c.Flow != "handoff" {
		t.Fatalf("flow %s, want handoff", c.Flow)
	}
	expect(t, tr.say("hello?"), "colleague will answer")
	if out := tr.say("still there?"); len(out) != 0 {
		t.Fatalf("bot should stay silent while waiting for a person:\n%s", transcript(out))
	}
}

// TestDuplicateDeliveryIsAnsweredOnce: the same channel message id twice is stored
// once and answered once.
func TestDuplicateDeliveryIsAnsweredOnce(t *testing.T) {
	h := sqlite(t)
	ctx := context.Background()
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "dup-1", Text: "check in", ReceivedAt: testNow}
	id, dup, err := h.store.Accept(ctx, in, "dupuser")
	if err != nil || dup {
		t.Fatal(err, dup)
	}
	if _, dup, err := h.store.Accept(ctx, in, "dupuser"); err != nil || !dup {
		t.Fatalf("second delivery: dup=%v err=%v", dup, err)
	}
	if err := h.engine.Process(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := h.engine.Process(ctx, id); err != nil {
		t.Fatal(err)
	}
	out, _ := h.store.OutboundAfter(ctx, id, 0, 100)
	if len(out) != 1 {
		t.Fatalf("%d replies, want 1:\n%s", len(out), transcript(out))
	}
}

func TestChooseSomePassengersByNumberOrName(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("check in")
	expect(t, tr.say("VR2FAM de Vries"), "1. ", "4. ")
	out := run(t, tr, []step{
		{say: "1 and 2", want: []string{"dangerous goods"}},
		{say: "yes", want: []string{"seat"}},
		{tap: "seat:keep"},
		{tap: "seat:keep", want: []string{"Please check"}},
	})
	if strings.Contains(transcript(out), "(child)") || strings.Contains(transcript(out), "(infant)") {
		t.Fatalf("only the two adults were chosen:\n%s", transcript(out))
	}
	b := h.traveller("y")
	b.say("check in")
	b.say("DB4LHR Dubois")
	expect(t, b.say("just Marc please"), "Marc Dubois", "passport")
}

// TestContentVersionIsPinned: a conversation keeps the content version its flow
// started with; a publish in the middle reaches only conversations that start later.
func TestContentVersionIsPinned(t *testing.T) {
	h := sqlite(t)
	old := h.traveller("old")
	expect(t, old.say("check in"), "What is your booking reference")

	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	c.Messages["en"]["checkin.ask_surname"] = "Got it. Which surname is on the booking?"
	c.Messages["en"]["checkin.ask_booking"] = "Welcome aboard! Your booking code and surname, please."
	body, _ := flows.MarshalContent(c)
	v, err := h.store.PublishContent(context.Background(), body, "editor", "friendlier prompts")
	if err != nil || v != 2 {
		t.Fatalf("publish: %d %v", v, err)
	}
	expect(t, old.say("JN7KQQ"), "And what is the surname")
	if st := old.state(); st.ContentVersion != 1 {
		t.Fatalf("old conversation moved to version %d", st.ContentVersion)
	}
	fresh := h.traveller("new")
	expect(t, fresh.say("check in"), "Welcome aboard!")
	if st := fresh.state(); st.ContentVersion != 2 {
		t.Fatalf("new conversation on version %d", st.ContentVersion)
	}
	// Once its flow ends, the old conversation takes the new version too.
	old.say("start over")
	expect(t, old.say("check in"), "Welcome aboard!")
}

// TestAnswersAreNotMistakenForCommands: one-word answers that the classifier
// weakly reads as a command are taken as answers to the question asked.
func TestAnswersAreNotMistakenForCommands(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("check in")
	tr.say("VR2FAM de Vries")
	expect(t, tr.say("all"), "dangerous goods")
	b := h.traveller("y")
	run(t, b, []step{
		{say: "check in"},
		{say: "DB4LHR Dubois"},
		{tap: "pax:2"},
		{say: "P1234567", want: []string{"nationality"}},
		{say: "French", want: []string{"issued", "(FRA)"}},
	})
	if c := b.state(); c.Lang != "en" {
		t.Fatalf("nationality answer switched the language to %s", c.Lang)
	}
}

func TestBookingDataInTheFirstMessageIsUsed(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	expect(t, tr.say("I want to check in, booking DB4LHR, surname Dubois"), "I found booking DB4LHR")
	idle := h.traveller("y")
	expect(t, idle.say("JN7KQP Jansen"), "Shall I check in Eva Jansen")
}

func TestInfantNeedsItsOwnAdult(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("check in")
	out := tr.say("VR2FAM de Vries")
	var notMother, infant string
	for _, o := range out {
		for _, c := range o.Choices {
			switch {
			case strings.Contains(c.Title, "(infant)"):
				infant = c.Title
			case strings.HasPrefix(c.ID, "pax:") && c.ID != "pax:all" && !strings.Contains(c.Title, "(") && notMother == "" && !strings.Contains(c.Title, "Sanne"):
				notMother = c.Title
			}
		}
	}
	if infant == "" || notMother == "" {
		t.Fatalf("family not offered:\n%s", transcript(out))
	}
	expect(t, tr.say(strings.Fields(notMother)[0]+" and the baby "+strings.Fields(infant)[0]), "only be checked in together with an adult")
}

func TestHandoffCanBeLeftByAskingTheBot(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	expect(t, tr.say("I want to talk to a person"), "colleague")
	expect(t, tr.say("actually, I want to check in"), "booking reference")
	if c := tr.state(); c.Flow != "checkin" {
		t.Fatalf("flow %s", c.Flow)
	}
}

func TestNoAtTheBookingQuestionCancels(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	tr.say("check in")
	expect(t, tr.say("no"), "haven't checked anyone in", "What can I do")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("flow %s", c.Flow)
	}
}
