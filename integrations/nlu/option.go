package nlu

import (
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Thresholds are the confidences an intent needs before the classifier
// returns it. Below them the message is IntentNone and, when it looked like
// a request, Understanding.Unsure is set so that the flow asks which of the
// alternatives was meant.
type Thresholds struct {
	// Intent applies to every intent that is not transactional.
	Intent float64
	// Transactional applies to intents that change a booking or lead to a
	// payment (domain.Intent.Transactional): a wrong guess costs money.
	Transactional float64
	// PerIntent, when it names an intent, replaces the threshold above
	// for that intent.
	PerIntent map[domain.Intent]float64
}

// DefaultThresholds were chosen by 5-fold cross-validation on the training
// examples, not on the evaluation set: each transactional intent's
// threshold is the lowest of thresholdGrid from which up cross-validated
// precision on that intent stays at 98 % or more (chooseEachThreshold;
// TestCrossValidation fails when these differ from what it chooses, so a
// change of the examples or the model re-decides them). add_bag needs the
// most (held-out examples include deliberately close questions: "price of
// an extra bag?"). Confidences are calibrated probabilities. Below them
// those intents are offered as choices. The other threshold is low because
// a wrong guess there costs a re-ask, not money.
var DefaultThresholds = Thresholds{
	Intent:        0.05,
	Transactional: 0.95,
	PerIntent: map[domain.Intent]float64{
		domain.IntentChangeFlight: 0.88,
		domain.IntentCancel:       0.85,
		domain.IntentChooseSeat:   0.7,
		domain.IntentMeal:         0.85,
		domain.IntentExtras:       0.6,
		domain.IntentAddBag:       0.9,
	},
}

// For returns the threshold that applies to an intent.
func (t Thresholds) For(in domain.Intent) float64 {
	if v, ok := t.PerIntent[in]; ok {
		return v
	}
	if in.Transactional() {
		return t.Transactional
	}
	return t.Intent
}

// Airport is a place travellers name: an IATA airport code and the names of
// its city in any language ("Lisbon", "Lisbonne", "Lissabon", "Lisboa").
type Airport struct {
	Code  domain.AirportCode
	Names []string
}

// Option changes how New builds a classifier.
type Option func(*options)

type options struct {
	now        func() time.Time
	thresholds Thresholds
	airports   []Airport
}

// WithClock sets the clock relative dates are read against ("tomorrow",
// "vendredi"); the default is time.Now. Dates are those of the clock's
// location.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithThresholds replaces DefaultThresholds.
func WithThresholds(t Thresholds) Option {
	return func(o *options) { o.thresholds = t }
}

// WithAirports adds places to the embedded list of airports and cities, for
// an airline that flies where the list does not go. A code already known
// gains the names.
func WithAirports(a []Airport) Option {
	return func(o *options) { o.airports = append(o.airports, a...) }
}
