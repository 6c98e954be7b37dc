// Package nlu understands one traveller message: the language it is written in,
// what the traveller wants (the intent) and the values it carries (booking
// references, ticket and flight numbers, surnames, seats, dates absolute and
// relative, times, airports and cities, counts, countries, languages and
// document numbers).
//
// The intent is decided by a multinomial logistic regression over hashed
// accent-folded words, word pairs and character 3–5-grams (Chinese
// characters are words of their own), trained at start-up from the examples
// embedded under data/ in twelve languages; its confidence is a calibrated
// probability. A nearest-neighbour tf-idf model over the same examples says
// when a message resembles none of them. Below a confidence threshold — a
// higher one for intents that change a booking or lead to a payment — the
// classifier returns no intent but the likely alternatives, so that the
// flow asks instead of guessing. CrossValidate measures the models on their
// own training examples, where model choices are made. Language detection combines
// lingua-go in low-accuracy mode, restricted to the enabled languages, with
// the per-language vocabulary of those examples and the traveller's stored
// language. Everything is built once by New and read-only afterwards, so a
// Classifier is safe for concurrent use. Evaluate measures it on a labelled
// set (testdata/eval.tsv, kept apart from the training examples).
package nlu
