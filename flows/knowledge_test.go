package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// knowledgeHarness is a harness whose engine answers questions from the
// articles of the published content, searched in the real store.
func knowledgeHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, dbtest.SQLite(t))
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: h.bookings(),
		Now: h.clock.Now, Log: testLogger(t), Knowledge: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return h
}

func TestIdleQuestionIsAnsweredWithAQuoteAndALink(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	tr := h.traveller("bike")
	out := tr.say("can I bring my bike?")
	expect(t, out, "Sports equipment, bikes and musical instruments", "Bicycles travel in the hold for EUR 60 per flight",
		"https://www.skybridge-air.example/en/help/sports-equipment")
	// The passage that matched, not the whole article.
	expectNot(t, out, "Golf bags", "musical instruments such as a violin")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("a question starts no flow; at %s/%s", c.Flow, c.State)
	}
}

func TestQuestionInTheTravellersLanguageIsAnsweredFromThatLanguagesArticle(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	tr := h.traveller("chien")
	out := tr.say("je peux voyager avec mon chien ?")
	expect(t, out, "Voyager avec un animal", "Les chiens et chats", "https://www.skybridge-air.example/fr/aide/animaux")
}

func TestQuestionDuringCheckInIsAnsweredAndCheckInResumes(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	tr := h.traveller("digress")
	expect(t, tr.say("check in"), "What is your booking reference")
	out := tr.say("how do I get a refund")
	expect(t, out, "From our article “Refunds”", "Flex and Business fares are fully refundable until departure",
		"https://www.skybridge-air.example/en/help/refunds")
	// The check-in question is asked again, after the answer.
	last := out[len(out)-1]
	if !strings.Contains(last.Text, "booking reference") {
		t.Fatalf("the last message should ask the check-in question again:\n%s", transcript(out))
	}
	if c := tr.state(); c.Flow != "checkin" {
		t.Fatalf("the check-in goes on; at %q/%q", c.Flow, c.State)
	}
	// And it carries on from there.
	expect(t, tr.say("JN7KQP Jansen"), "JN7KQP")
}

func TestUnanswerableQuestionIsSaidSoAndAPersonOffered(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	tr := h.traveller("piano")
	out := tr.say("can I bring my piano?")
	expect(t, out, "I couldn't find this in our information", "Talk to a person")
	// Nothing is quoted: no article, no link.
	expectNot(t, out, "From our article", "https://")
	expect(t, tr.tap("intent:human"), "colleague")
	if c := tr.state(); c.Flow != "handoff" {
		t.Fatalf("tapping the offer hands over to a person; at %q", c.Flow)
	}
}

func TestConversationPinnedToAnOldVersionAnswersFromItsArticles(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	ctx := context.Background()
	pinned := h.traveller("pinned")
	expect(t, pinned.say("check in"), "What is your booking reference") // pins version 1

	// Staff publish version 2, where bikes cost more.
	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range c.Articles[domain.DefaultLang] {
		if a.ID == "sports-equipment" {
			body := append([]string(nil), a.Body...)
			body[0] = strings.Replace(body[0], "EUR 60 per flight", "EUR 75 per flight", 1)
			c.Articles[domain.DefaultLang][i].Body = body
		}
	}
	if problems := c.Validate(domain.Languages); len(problems) > 0 {
		t.Fatalf("version 2 is invalid: %v", problems)
	}
	body, _ := flows.MarshalContent(c)
	if v, err := h.store.PublishContent(ctx, body, "staff", "bike price"); err != nil || v != 2 {
		t.Fatalf("publish: %d %v", v, err)
	}

	out := pinned.say("can I bring my bike?")
	expect(t, out, "Bicycles travel in the hold for EUR 60 per flight", "booking reference")
	expectNot(t, out, "EUR 75")

	fresh := h.traveller("fresh")
	out = fresh.say("can I bring my bike?")
	expect(t, out, "Bicycles travel in the hold for EUR 75 per flight")
}

func TestLookupFallsBackToTheDefaultLanguagesArticles(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	c, err := h.engine.Content(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// A content version whose staff have not translated the articles into
	// Italian (yet): Italian questions are answered from the English ones.
	c.Version = 99
	articles := map[domain.Lang][]flows.Article{}
	for l, list := range c.Articles {
		if l != "it" {
			articles[l] = list
		}
	}
	c.Articles = articles
	a, err := h.engine.Lookup(context.Background(), c, "it", "bike")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Found || a.Lang != domain.DefaultLang || a.Hit.ID != "sports-equipment" {
		t.Fatalf("Lookup(it, bike) = %+v, want the English sports article", a)
	}
}

// TestQuestionsInEveryLanguageAreAnsweredFromTheirOwnArticles: every language
// ships the articles, so a question is answered in the traveller's language,
// quoting the paragraph that matched and linking the article's page in that
// language.
func TestQuestionsInEveryLanguageAreAnsweredFromTheirOwnArticles(t *testing.T) {
	t.Parallel()
	h := knowledgeHarness(t)
	c, err := h.engine.Content(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range domain.Languages {
		if len(c.Articles[l]) != len(c.Articles[domain.DefaultLang]) {
			t.Errorf("%s has %d articles, want the %d of %s", l, len(c.Articles[l]), len(c.Articles[domain.DefaultLang]), domain.DefaultLang)
		}
	}
	for _, tc := range []struct {
		lang              domain.Lang
		q                 string
		id, passage, link string
	}{
		{"it", "quanto costa portare la bicicletta?", "sports-equipment", "Le biciclette viaggiano in stiva a 60 EUR", "/it/assistenza/attrezzatura-sportiva"},
		{"pl", "ile kosztuje przewóz roweru", "sports-equipment", "Rowery podróżują w luku bagażowym za 60 EUR", "/pl/pomoc/sprzet-sportowy"},
		{"tr", "bisikletimi götürebilir miyim", "sports-equipment", "Bisikletler, önceden rezervasyon", "/tr/yardim/spor-malzemeleri"},
		{"ar", "هل يمكنني أخذ دراجتي", "sports-equipment", "تُنقل الدراجات في عنبر الطائرة مقابل 60 يورو", "/ar/help/sports-equipment"},
		{"zh", "自行车怎么托运", "sports-equipment", "自行车在货舱运输的费用为每航段 60 欧元", "/zh/help/sports-equipment"},
		{"hi", "साइकिल ले जाने का शुल्क", "sports-equipment", "साइकिल प्रति उड़ान 60 यूरो", "/hi/help/sports-equipment"},
	} {
		a, err := h.engine.Lookup(context.Background(), c, tc.lang, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Found || a.Lang != tc.lang || a.Hit.ID != tc.id || !strings.Contains(a.Hit.Passage, tc.passage) || !strings.HasSuffix(a.Hit.URL, tc.link) {
			t.Errorf("Lookup(%s, %q) = %+v, want %s in %s quoting %q and linking %s", tc.lang, tc.q, a, tc.id, tc.lang, tc.passage, tc.link)
		}
	}
}

func TestArticlesAreValidated(t *testing.T) {
	t.Parallel()
	base, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	if p := base.Validate(domain.Languages); len(p) > 0 {
		t.Fatalf("shipped content: %v", p)
	}
	if n := len(base.Articles[domain.DefaultLang]); n < 12 {
		t.Fatalf("%d English articles shipped, want at least 12", n)
	}
	tests := []struct {
		name   string
		change func(c *flows.Content)
		want   string
	}{
		{"duplicate id", func(c *flows.Content) {
			c.Articles["en"] = append(c.Articles["en"], c.Articles["en"][0])
		}, "en.articles.baggage-allowance: duplicate article id"},
		{"empty title", func(c *flows.Content) { c.Articles["fr"][1].Title = " " }, "fr.articles.cabin-bag: empty title"},
		{"empty paragraph", func(c *flows.Content) { c.Articles["de"][2].Body = []string{"Text.", ""} }, "de.articles.liquids: empty body or paragraph"},
		{"missing translation", func(c *flows.Content) { c.Articles["nl"] = c.Articles["nl"][1:] },
			"nl.articles.baggage-allowance: missing translation"},
		{"article only in one translation", func(c *flows.Content) {
			c.Articles["es"] = append(c.Articles["es"], flows.Article{ID: "lounges", Title: "Salas VIP", Body: []string{"Texto."}})
		}, "es.articles.lounges: no such article in en"},
		{"not a slug", func(c *flows.Content) { c.Articles["en"][0].ID = "Baggage allowance" }, "not a slug"},
		{"link not https", func(c *flows.Content) { c.Articles["pt"][0].URL = "http://example.com" }, "url must start with https://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := flows.DefaultContent() // a fresh copy to spoil
			tc.change(&c)
			var got []string
			for _, p := range c.Validate(domain.Languages) {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Fatalf("problems %q lack %q", got, tc.want)
			}
		})
	}
}
