package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func testArticles(bikePrice string) []domain.Article {
	return []domain.Article{
		{ID: "sports", Lang: "en", Title: "Sports equipment and bikes", URL: "https://airline.example/sports",
			Tags: []string{"bike", "bicycle", "golf", "ski"},
			Paragraphs: []string{
				"Bicycles travel in the hold for " + bikePrice + " per flight. Pack your bike in a box, remove the pedals.",
				"Golf bags and skis count as one checked bag of 23 kg.",
			}},
		{ID: "pets", Lang: "en", Title: "Travelling with pets", Tags: []string{"dog", "cat", "animal"},
			Paragraphs: []string{"Dogs and cats up to 8 kg travel in the cabin in a soft carrier.", "Assistance dogs travel free of charge."}},
		{ID: "liquids", Lang: "en", Title: "Liquids in hand luggage", Tags: []string{"liquids", "100 ml", "perfume"},
			Paragraphs: []string{"Liquids must be in containers of at most 100 ml in one transparent bag."}},
		{ID: "sports", Lang: "fr", Title: "Équipement sportif et vélos", Tags: []string{"vélo", "bicyclette", "golf", "ski"},
			Paragraphs: []string{"Les vélos voyagent en soute pour 60 EUR par vol.", "Les sacs de golf comptent comme un bagage."}},
		{ID: "pets", Lang: "fr", Title: "Voyager avec un animal", Tags: []string{"chien", "chat"},
			Paragraphs: []string{"Les chiens et chats de 8 kg maximum voyagent en cabine."}},
		{ID: "liquids", Lang: "fr", Title: "Liquides en bagage à main", Tags: []string{"liquides", "parfum"},
			Paragraphs: []string{"Les liquides doivent être dans des contenants de 100 ml maximum."}},
	}
}

func TestSearchArticles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		if err := b.s.IndexArticles(ctx, 1, testArticles("EUR 60")); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			lang        domain.Lang
			q           string
			wantID      string
			wantPassage string // a fragment of the paragraph quoted
		}{
			{"en", "can I bring my bike?", "sports", "Bicycles travel in the hold"},
			{"en", "golf clubs", "sports", "Golf bags"},
			{"en", "bicyles pls", "sports", "Bicycles"}, // a typo
			{"en", "my dog", "pets", "Dogs and cats"},
			{"en", "how much PERFUME can I take", "liquids", "100 ml"},
			{"fr", "je peux emporter mon velo ?", "sports", "Les vélos"}, // no accent
			{"fr", "mes chiens", "pets", "Les chiens"},                   // a plural
			{"en", "what is the meaning of life", "", ""},
			{"en", "can I do it?", "", ""}, // nothing but stop words
			{"de", "Fahrrad", "", ""},      // no German articles
		}
		for _, tc := range tests {
			hits, err := b.s.SearchArticles(ctx, 1, tc.lang, tc.q, 3)
			if err != nil {
				t.Fatalf("%s %q: %v", tc.lang, tc.q, err)
			}
			if tc.wantID == "" {
				if len(hits) > 0 && hits[0].Score >= 0.35 {
					t.Errorf("%s %q: found %+v, want nothing good enough", tc.lang, tc.q, hits[0])
				}
				continue
			}
			if len(hits) == 0 {
				t.Errorf("%s %q: nothing found, want %s", tc.lang, tc.q, tc.wantID)
				continue
			}
			h := hits[0]
			if h.ID != tc.wantID || !strings.Contains(h.Passage, tc.wantPassage) {
				t.Errorf("%s %q: got %s %q, want %s quoting %q", tc.lang, tc.q, h.ID, h.Passage, tc.wantID, tc.wantPassage)
			}
			if h.Score <= 0 || h.Score > 1 {
				t.Errorf("%s %q: score %.2f out of (0, 1]", tc.lang, tc.q, h.Score)
			}
		}
		hits, _ := b.s.SearchArticles(ctx, 1, "en", "bike", 3)
		if len(hits) == 0 || hits[0].URL != "https://airline.example/sports" || hits[0].Title != "Sports equipment and bikes" {
			t.Fatalf("hit lacks its title or link: %+v", hits)
		}
	})
}

func TestIndexArticlesKeepsEachVersionApart(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		if err := b.s.IndexArticles(ctx, 1, testArticles("EUR 60")); err != nil {
			t.Fatal(err)
		}
		// Indexing again (another instance, a restart) changes nothing.
		if err := b.s.IndexArticles(ctx, 1, testArticles("EUR 999")); err != nil {
			t.Fatal(err)
		}
		if err := b.s.IndexArticles(ctx, 2, testArticles("EUR 75")); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Gorm.Model(&knowledgePassageRow{}).Where("content_version = 1").Count(&n).Error; err != nil || n != 9 {
			t.Fatalf("version 1 has %d passages (%v), want 9", n, err)
		}
		for v, want := range map[int]string{1: "EUR 60", 2: "EUR 75"} {
			hits, err := b.s.SearchArticles(ctx, v, "en", "bike", 1)
			if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Passage, want) {
				t.Fatalf("version %d: %+v %v, want the passage with %s", v, hits, err, want)
			}
		}
		hits, err := b.s.SearchArticles(ctx, 3, "en", "bike", 1)
		if err != nil || len(hits) != 0 {
			t.Fatalf("a version never indexed finds %+v %v, want nothing", hits, err)
		}
	})
}

func TestTextAnalysis(t *testing.T) {
	t.Parallel()
	stems := []struct {
		lang domain.Lang
		a, b string
	}{
		{"en", "bikes", "bike"}, {"en", "delayed", "delays"}, {"en", "carries", "carry"}, {"en", "refunds", "refund"},
		{"fr", "bagages", "bagage"}, {"fr", "remboursable", "remboursement"},
		{"de", "koffern", "koffer"}, {"nl", "koffers", "koffer"},
		{"es", "reembolsos", "reembolso"}, {"es", "maletas", "maleta"},
		{"pt", "bicicletas", "bicicleta"}, {"it", "valigie", "valigia"},
		{"pl", "bagażem", "bagaż"}, {"pl", "odprawę", "odprawa"},
		{"tr", "bagajlarımızın", "bagaj"}, {"tr", "köpeğimi", "köpek"},
		{"ar", "الحقيبة", "حقيبة"}, {"ar", "بالحقيبة", "الحقيبه"}, {"ar", "المسجلة", "مسجل"}, {"ar", "رحلتك", "رحلة"},
		{"hi", "उड़ानों", "उड़ान"}, {"hi", "बच्चों", "बच्चे"},
	}
	for _, s := range stems {
		if x, y := stem(s.lang, foldText(s.a)), stem(s.lang, foldText(s.b)); x != y {
			t.Errorf("%s: stem(%s) = %s, stem(%s) = %s, want the same", s.lang, s.a, x, s.b, y)
		}
	}
	for in, want := range map[string]string{
		"Gepäck":     "gepack",
		"Équipement": "equipement",
		"Straße":     "strasse",
		"托运行李":       "托 运 行 李 托运 运行 行李",
		"ＷｉＦｉ、托运":    "wifi 托 运 托运",
		"أَحْتَاجُ إِلَى الحقيبة": "احتاج الي الحقيبه",
		"٢٣ كجم":        "23 كجم",
		"कहाँ ज़्यादा":  "कहां ज्यादा",
		"२३ किलो":       "23 किलो",
		"vélo, 23 kg!":  "velo 23 kg",
		"हाथ का सामान":  "हाथ का सामान",
		"EU 261/2004":   "eu 261 2004",
		"can't":         "can t",
		"ıstanbul için": "istanbul icin",
	} {
		if got := strings.Join(analyze(in), " "); got != want {
			t.Errorf("analyze(%q) = %q, want %q", in, got, want)
		}
	}
	for _, d := range []struct {
		a, b string
		want int
	}{{"bicyle", "bicycle", 1}, {"baggae", "baggage", 1}, {"lugage", "luggage", 1}, {"recieve", "receive", 1}, {"password", "passport", 2}} {
		if got := editDistance([]rune(d.a), []rune(d.b), 2); got != d.want {
			t.Errorf("editDistance(%s, %s) = %d, want %d", d.a, d.b, got, d.want)
		}
	}
}

func TestChineseQuestionsAreSplitIntoTheArticlesWords(t *testing.T) {
	t.Parallel()
	lex := newLexicon("zh", []knowledgePassageRow{
		{Article: "pets", Title: "携带宠物出行", Tags: "宠物, 狗, 猫", Body: "狗和猫可以与您一同在客舱内出行。"},
		{Article: "liquids", Title: "手提行李中的液体", Tags: "液体, 香水", Body: "安检后购买的饮料可以带上飞机。"},
		{Article: "baggage", Title: "行李额度", Tags: "行李, 托运行李", Body: "第一件托运行李 35 欧元。"},
	})
	for q, want := range map[string]string{
		// 飞机 (a word the articles write, and filler) wins over 上飞, a seam
		// the liquids article happens to write; 带 is filler, 我 and 想 stop words.
		"我想带猫上飞机": "猫",
		// 托运 and 行李 are words; 运行 a seam between them.
		"托运行李要多少钱": "托运 行李", // 多少钱, "how much", says nothing
		"宠物可以坐飞机吗": "宠物",
	} {
		words := lex.questionWords("zh", q)
		slices.Sort(words)
		w := strings.Fields(want)
		slices.Sort(w)
		if got := strings.Join(words, " "); got != strings.Join(w, " ") {
			t.Errorf("questionWords(%s) = %q, want %q", q, got, want)
		}
	}
}

// TestSearchArticlesWithoutStemmingConfiguration: languages PostgreSQL has no
// text search configuration for (Chinese, Arabic, Hindi) are found on both
// databases, whatever the spelling variant or inflection the question uses.
func TestSearchArticlesWithoutStemmingConfiguration(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		articles := []domain.Article{
			{ID: "pets", Lang: "zh", Title: "携带宠物出行", Tags: []string{"宠物", "狗", "猫"},
				Paragraphs: []string{"不超过 8 公斤的狗和猫可以与您一同在客舱内出行。", "较重的狗和猫须在货舱运输。"}},
			{ID: "baggage", Lang: "zh", Title: "行李额度", Tags: []string{"行李", "托运行李"},
				Paragraphs: []string{"第一件 23 公斤托运行李 35 欧元，第二件 50 欧元。"}},
			{ID: "pets", Lang: "ar", Title: "السفر مع الحيوانات الأليفة", Tags: []string{"كلب", "قطة"},
				Paragraphs: []string{"يمكن للكلاب والقطط حتى 8 كجم السفر معك في المقصورة."}},
			{ID: "baggage", Lang: "ar", Title: "الأمتعة المسموح بها", Tags: []string{"حقيبة", "الأمتعة المسجلة"},
				Paragraphs: []string{"الحقيبة المسجلة الأولى بوزن 23 كجم تكلف 35 يورو."}},
			{ID: "pets", Lang: "hi", Title: "पालतू जानवरों के साथ यात्रा", Tags: []string{"कुत्ता", "बिल्ली"},
				Paragraphs: []string{"8 किलो तक के कुत्ते और बिल्लियाँ केबिन में यात्रा कर सकते हैं।"}},
			{ID: "baggage", Lang: "hi", Title: "बैगेज अलाउंस", Tags: []string{"बैग", "सामान"},
				Paragraphs: []string{"23 किलो का पहला बैग 35 यूरो का है। ज़्यादा वज़न पर शुल्क लगता है।"}},
		}
		if err := b.s.IndexArticles(ctx, 1, articles); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			lang   domain.Lang
			q      string
			wantID string
		}{
			{"zh", "我的猫能进客舱吗", "pets"},
			{"zh", "托运行李怎么收费", "baggage"},
			{"ar", "هل يمكنني السفر مع قطتي", "pets"},
			{"ar", "كم سعر الحقيبه المسجله", "baggage"}, // taa marbuta typed as haa
			{"ar", "حَقِيبَة", "baggage"},               // with vowel marks
			{"hi", "बिल्लियां", "pets"},                 // anusvara for chandrabindu
			{"hi", "ज्यादा वजन", "baggage"},             // without nukta
		} {
			hits, err := b.s.SearchArticles(ctx, 1, tc.lang, tc.q, 3)
			if err != nil {
				t.Fatalf("%s %q: %v", tc.lang, tc.q, err)
			}
			if len(hits) == 0 || hits[0].ID != tc.wantID || hits[0].Score < 0.35 {
				t.Errorf("%s %q: got %+v, want %s", tc.lang, tc.q, hits, tc.wantID)
			}
		}
	})
}
