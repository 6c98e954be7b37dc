// Package nlu understands one traveller message: the language it is written in,
// what the traveller wants (the intent) and the values it carries (booking
// references, ticket and flight numbers, surnames, seats, dates absolute and
// relative, times, airports and cities, counts, countries, languages and
// document numbers).
//
// The intent classifier mixes nearest neighbours and per-intent centroids
// over tf-idf vectors of accent-folded words, word pairs and character
// n-grams (Chinese characters are words of their own), trained at start-up
// from the examples embedded under data/ in twelve languages. Below a
// confidence threshold — a higher one for intents that change a booking or
// lead to a payment — it returns no intent but the likely alternatives, so
// that the flow asks instead of guessing. Language detection combines
// lingua-go in low-accuracy mode, restricted to the enabled languages, with
// the per-language vocabulary of those examples and the traveller's stored
// language. Everything is built once by New and read-only afterwards, so a
// Classifier is safe for concurrent use. Evaluate measures it on a labelled
// set (testdata/eval.tsv, kept apart from the training examples).
package nlu
