package flows

import (
	"slices"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func articlesContent() Content {
	return Content{Articles: map[domain.Lang][]Article{
		"en": {
			{ID: "bikes", Title: "Bikes", Body: []string{"Bikes cost EUR 60."}, URL: "https://x.example/bikes", Tags: []string{"bike"}},
			{ID: "pets", Title: "Pets", Body: []string{"Pets travel in the cabin."}},
		},
		"fr": {
			{ID: "bikes", Title: "Vélos", Body: []string{"Les vélos coûtent 60 EUR."}},
			{ID: "pets", Title: "Animaux", Body: []string{"Les animaux voyagent en cabine."}},
		},
	}}
}

func TestPutArticleEditsInPlaceAddsLastAndCopiesOnWrite(t *testing.T) {
	t.Parallel()
	c := articlesContent()
	shared := c.Articles["en"]
	err := c.PutArticle("bikes", map[domain.Lang]*Article{
		"en": {Title: "  Bicycles ", Body: []string{" Bikes cost EUR 75.\r\nBook ahead. ", "  ", "Helmets go in the bag."},
			URL: " https://x.example/bikes ", Tags: []string{"bike", " Bike ", "cycle  hire", ""}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Articles["en"][0]
	if got.Title != "Bicycles" || got.URL != "https://x.example/bikes" ||
		strings.Join(got.Body, "|") != "Bikes cost EUR 75.\nBook ahead.|Helmets go in the bag." ||
		strings.Join(got.Tags, "|") != "bike|cycle hire" {
		t.Fatalf("edited article %+v", got)
	}
	if shared[0].Title != "Bikes" {
		t.Fatal("the edit changed the list it was copied from")
	}
	if err := c.PutArticle("seats", map[domain.Lang]*Article{"en": {Title: "Seats", Body: []string{"Pick a seat."}}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range c.ArticleEntries() {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "bikes,pets,seats" {
		t.Fatalf("articles %v, want the new one last", ids)
	}
	// The French translation goes; English stays.
	if err := c.PutArticle("pets", map[domain.Lang]*Article{"fr": nil}); err != nil {
		t.Fatal(err)
	}
	e, ok := c.Article("pets")
	if _, fr := e.ByLang["fr"]; !ok || fr || e.ByLang["en"].Title != "Pets" {
		t.Fatalf("pets after removing French: %+v", e)
	}
}

func TestPutArticleRefusesWhatCannotBeStored(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxArticleTitle+1)
	for name, tc := range map[string]struct {
		id     string
		byLang map[domain.Lang]*Article
		want   string
	}{
		"id not a slug":     {"Bikes!", map[domain.Lang]*Article{"en": {Title: "x"}}, "not a slug"},
		"no language":       {"bikes", nil, "at least one language"},
		"unknown language":  {"bikes", map[domain.Lang]*Article{"xx": {Title: "x"}}, `unknown language "xx"`},
		"title too long":    {"bikes", map[domain.Lang]*Article{"en": {Title: long}}, "title is longer than 200"},
		"tag too long":      {"bikes", map[domain.Lang]*Article{"en": {Title: "x", Tags: []string{long}}}, "a tag is longer"},
		"english removed":   {"bikes", map[domain.Lang]*Article{"en": nil}, "needs its en text"},
		"translation first": {"new-one", map[domain.Lang]*Article{"fr": {Title: "Nouveau"}}, "needs its en text"},
	} {
		t.Run(name, func(t *testing.T) {
			c := articlesContent()
			before := Diff(Content{}, c)
			err := c.PutArticle(tc.id, tc.byLang)
			if !domain.IsCode(err, domain.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("PutArticle: %v, want Invalid %q", err, tc.want)
			}
			if len(Diff(Content{}, c)) != len(before) || len(Diff(articlesContent(), c)) != 0 {
				t.Fatal("a refused edit changed the content")
			}
		})
	}
}

func TestRemoveArticleTakesEveryLanguage(t *testing.T) {
	t.Parallel()
	c := articlesContent()
	if err := c.RemoveArticle("bikes"); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Article("bikes"); ok {
		t.Fatal("bikes outlived its removal")
	}
	if len(c.Articles["en"]) != 1 || len(c.Articles["fr"]) != 1 {
		t.Fatalf("articles left %v", c.Articles)
	}
	if err := c.RemoveArticle("bikes"); !domain.IsCode(err, domain.NotFound) {
		t.Fatalf("removing it again: %v, want NotFound", err)
	}
}

func TestDiffShowsArticleChangesFieldByField(t *testing.T) {
	t.Parallel()
	old := articlesContent()
	cur := articlesContent()
	if err := cur.PutArticle("bikes", map[domain.Lang]*Article{
		"en": {Title: "Bikes", Body: []string{"Bikes cost EUR 75.", "Book ahead."}, URL: "https://x.example/bikes", Tags: []string{"bike", "cycle"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := cur.RemoveArticle("pets"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range Diff(old, cur) {
		got = append(got, string(c.Kind)+" "+string(c.Lang)+" "+c.Key+" "+c.Old+"→"+c.New)
	}
	want := []string{
		"changed en articles.bikes.body[0] Bikes cost EUR 60.→Bikes cost EUR 75.",
		"added en articles.bikes.body[1] →Book ahead.",
		"changed en articles.bikes.tags bike→bike, cycle",
		"removed en articles.pets.body[0] Pets travel in the cabin.→",
		"removed en articles.pets.title Pets→",
		"removed fr articles.pets.body[0] Les animaux voyagent en cabine.→",
		"removed fr articles.pets.title Animaux→",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckDraftReportsArticleProblemsByField(t *testing.T) {
	t.Parallel()
	c := articlesContent()
	c.Articles["en"] = append(c.Articles["en"],
		Article{ID: "seats", Title: "Seats", Body: []string{"Pick one."}, URL: "https://bad host/seats"},
		Article{ID: "pets", Title: "", Body: nil, URL: "http://x.example/pets"})
	var got []string
	for _, p := range c.CheckDraft([]domain.Lang{"en", "fr"}) {
		if strings.HasPrefix(p.Key, "articles") {
			got = append(got, p.String()+" ["+ArticleProblemField(p.Message)+"]")
		}
	}
	for _, want := range []string{
		"en.articles.seats: url is not a web address (https://host/path) [url]",
		"en.articles.pets: duplicate article id [id]",
		"en.articles.pets: empty title [title]",
		"en.articles.pets: empty body or paragraph [body]",
		"en.articles.pets: url must start with https:// [url]",
		"fr.articles.seats: missing translation (a language has all the default language's articles or none) []",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	shipped, err := DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	if p := shipped.articleProblems(); len(p) != 0 {
		t.Fatalf("shipped articles have link problems: %v", p)
	}
}
