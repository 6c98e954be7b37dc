package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// articlesOf lists a content version's articles as the search index takes them.
func articlesOf(c flows.Content) []domain.Article {
	var out []domain.Article
	for l, list := range c.Articles {
		for _, a := range list {
			out = append(out, domain.Article{ID: a.ID, Lang: l, Title: a.Title, Paragraphs: a.Body, URL: a.URL, Tags: a.Tags})
		}
	}
	return out
}

// TestDraftArticlesArePublishedAndSearchedPerVersion: an article edited and one
// added in the shared draft survive the round trip through the store exactly; a
// save over a revision the editor never saw is refused and loses nothing; once
// published, the new version's index answers with the edited text while version
// 1's still answers with the old, and a rollback answers with the old again.
func TestDraftArticlesArePublishedAndSearchedPerVersion(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		shipped, err := flows.DefaultContent()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := flows.MarshalContent(shipped)
		if _, err := b.s.PublishContent(ctx, body, "skybridge", "shipped"); err != nil {
			t.Fatal(err)
		}

		edit := shipped
		e, ok := edit.Article("sports-equipment")
		if !ok {
			t.Fatal("no shipped sports-equipment article")
		}
		en := e.ByLang["en"]
		en.Body = append([]string{strings.Replace(en.Body[0], "EUR 60 per flight", "EUR 75 per flight", 1)}, en.Body[1:]...)
		lounge := map[domain.Lang]*flows.Article{}
		for l := range shipped.Articles {
			lounge[l] = &flows.Article{Title: "Lounge access (" + string(l) + ")", Body: []string{"Lounges are open to Business travellers.", "Guests pay EUR 40."},
				URL: "https://www.skybridge-air.example/" + string(l) + "/help/lounges", Tags: []string{"lounge", "vip"}}
		}
		if err := edit.PutArticle("sports-equipment", map[domain.Lang]*flows.Article{"en": &en}); err != nil {
			t.Fatal(err)
		}
		if err := edit.PutArticle("lounge-access", lounge); err != nil {
			t.Fatal(err)
		}
		if p := edit.CheckDraft(domain.Languages); slices.ContainsFunc(p, func(p flows.Problem) bool { return strings.HasPrefix(p.Key, "articles") }) {
			t.Fatalf("the edited articles have problems: %v", p)
		}
		draftBody, _ := flows.MarshalContent(edit)
		rev, err := b.s.SaveDraft(ctx, domain.ContentDraft{Body: draftBody, BaseVersion: 1, UpdatedBy: "eddie"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Someone who loaded the draft before eddie's save cannot overwrite it.
		if _, err := b.s.SaveDraft(ctx, domain.ContentDraft{Body: body, BaseVersion: 1, UpdatedBy: "bob"}, 0); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("a save over an unseen revision: %v, want conflict", err)
		}
		d, ok, err := b.s.Draft(ctx)
		if err != nil || !ok || d.Revision != rev || d.UpdatedBy != "eddie" {
			t.Fatalf("draft %+v %v %v", d, ok, err)
		}
		loaded, err := flows.ParseContent(domain.ContentVersion{Body: d.Body})
		if err != nil {
			t.Fatal(err)
		}
		if diff := flows.Diff(edit, loaded); len(diff) != 0 {
			t.Fatalf("the draft changed on its way through the store: %v", diff)
		}
		var keys []string
		for _, ch := range flows.Diff(shipped, loaded) {
			keys = append(keys, string(ch.Lang)+" "+ch.Key)
		}
		if !slices.Contains(keys, "en articles.sports-equipment.body[0]") || !slices.Contains(keys, "fr articles.lounge-access.title") ||
			len(keys) != 1+5*len(shipped.Articles) {
			t.Fatalf("draft changes %v", keys)
		}

		n, err := b.s.PublishDraft(ctx, d.Body, d.Revision, "pat", "bike price, lounges", domain.AuditEntry{Actor: "pat", Action: domain.AuditPublish})
		if err != nil || n != 2 {
			t.Fatalf("publish: %d %v", n, err)
		}
		if n, err = b.s.Republish(ctx, 1, "pat", "rollback to version 1", domain.AuditEntry{Actor: "pat", Action: domain.AuditRollback}); err != nil || n != 3 {
			t.Fatalf("rollback: %d %v", n, err)
		}
		for _, tc := range []struct {
			version int
			price   string
			lounge  bool
		}{{1, "EUR 60", false}, {2, "EUR 75", true}, {3, "EUR 60", false}} {
			v, err := b.s.Content(ctx, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			c, err := flows.ParseContent(v)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.s.IndexArticles(ctx, tc.version, articlesOf(c)); err != nil {
				t.Fatal(err)
			}
			hits, err := b.s.SearchArticles(ctx, tc.version, "en", "can I bring my bike?", 3)
			if err != nil || len(hits) == 0 || hits[0].ID != "sports-equipment" || !strings.Contains(hits[0].Passage, tc.price+" per flight") {
				t.Fatalf("version %d, bike: %+v %v, want %s", tc.version, hits, err, tc.price)
			}
			hits, err = b.s.SearchArticles(ctx, tc.version, "fr", "lounge", 3)
			found := err == nil && len(hits) > 0 && hits[0].ID == "lounge-access" && hits[0].Title == "Lounge access (fr)"
			if err != nil || found != tc.lounge {
				t.Fatalf("version %d, lounge in French: %+v %v, want found=%v", tc.version, hits, err, tc.lounge)
			}
		}
	})
}
