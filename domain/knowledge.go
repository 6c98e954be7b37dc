package domain

// Article is one staff-managed knowledge article in one language, as published
// in a content version: the only source of policy answers (baggage, refunds,
// EU 261 rights …). Nothing the assistant says about policy is generated.
type Article struct {
	// ID is a slug shared by the translations of the same article
	// ("baggage-allowance").
	ID    string
	Lang  Lang
	Title string
	// Paragraphs are the body, one passage each: an answer quotes one of them,
	// never the whole article.
	Paragraphs []string
	// URL is the article on the airline's site, "" when it has none.
	URL string
	// Tags are keywords staff add so that a question finds the article in the
	// words travellers use ("bike", "bicycle", "golf").
	Tags []string
}

// ArticleHit is one article found for a question, with the passage that
// matched best.
type ArticleHit struct {
	ID      string
	Title   string
	Passage string
	URL     string
	// Score in [0, 1] is the share of the question's meaningful words (weighted
	// by how rare they are among the articles) that the article contains. A low
	// score means the question is not really about this article.
	Score float64
}
