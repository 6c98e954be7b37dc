// Package nlu understands one traveller message: the language it is written in,
// what the traveller wants (the intent) and the values it carries (booking
// references, surnames, seats, dates, numbers, countries, languages and
// document numbers).
//
// The intent classifier is a nearest-neighbour model over tf-idf vectors of
// accent-folded words, word pairs and character n-grams, trained at start-up
// from the examples embedded under data/. Language detection combines
// lingua-go in low-accuracy mode, restricted to the enabled languages, with
// the per-language vocabulary of those examples and the traveller's stored
// language. Everything is built once by New and read-only afterwards, so a
// Classifier is safe for concurrent use.
package nlu
