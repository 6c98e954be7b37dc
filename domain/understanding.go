package domain

// Intent is what a traveller wants, as understood from one message.
type Intent string

// Intents understood by the built-in classifier.
const (
	IntentNone           Intent = ""
	IntentCheckIn        Intent = "check_in"
	IntentBoardingPass   Intent = "boarding_pass"
	IntentStartOver      Intent = "start_over"
	IntentHelp           Intent = "help"
	IntentHuman          Intent = "human"
	IntentChangeLanguage Intent = "change_language"
	IntentYes            Intent = "yes"
	IntentNo             Intent = "no"
	IntentGreeting       Intent = "greeting"
	IntentThanks         Intent = "thanks"
	// IntentResume comes from the "continue where I was" button of a push that
	// met the traveller in the middle of a flow.
	IntentResume Intent = "resume"

	IntentFlightStatus Intent = "flight_status" // is my flight on time, which gate
	IntentChangeFlight Intent = "change_flight" // move to another flight or date
	IntentCancel       Intent = "cancel_booking"
	// IntentDisruption: the airline disrupted the trip ("my flight was
	// cancelled", "I missed my connection, rebook me").
	IntentDisruption      Intent = "disruption"
	IntentAddBag          Intent = "add_bag"
	IntentChooseSeat      Intent = "choose_seat"
	IntentMeal            Intent = "meal"
	IntentExtras          Intent = "extras"           // priority boarding, lounge, other paid extras
	IntentBaggageQuestion Intent = "baggage_question" // what the allowance is
	// IntentQuestion is any other question about policy (pets, liquids,
	// refunds, sports equipment, assistance): answered from knowledge articles.
	IntentQuestion Intent = "question"
	// IntentStopMessages and IntentStartMessages stop and resume proactive
	// messages, said in a sentence ("please stop sending me updates"); the
	// engine's whole-message STOP/START keywords mean the same.
	IntentStopMessages  Intent = "stop_messages"
	IntentStartMessages Intent = "start_messages"
)

// Intents lists every intent the classifier can return, IntentNone excepted,
// in a stable order.
var Intents = []Intent{
	IntentCheckIn, IntentBoardingPass, IntentFlightStatus, IntentChangeFlight, IntentCancel,
	IntentDisruption, IntentAddBag, IntentChooseSeat, IntentMeal, IntentExtras,
	IntentBaggageQuestion, IntentQuestion, IntentHuman, IntentStartOver, IntentStopMessages,
	IntentStartMessages, IntentChangeLanguage, IntentHelp, IntentGreeting, IntentThanks,
	IntentYes, IntentNo, IntentResume,
}

// Transactional reports whether acting on the intent changes a booking or
// leads to a payment. Such intents need more confidence than the others
// before a flow starts them; see Understanding.Unsure.
func (i Intent) Transactional() bool {
	switch i {
	case IntentChangeFlight, IntentCancel, IntentAddBag, IntentChooseSeat, IntentMeal, IntentExtras:
		return true
	}
	return false
}

// EntityType is the kind of a value found in a message.
type EntityType string

// Entity types.
const (
	EntityLocator  EntityType = "locator"  // record locator candidate, normalised upper case
	EntitySurname  EntityType = "surname"  // surname candidate, as typed
	EntityNumber   EntityType = "number"   // a count or list index, normalised to digits
	EntitySeat     EntityType = "seat"     // "14C"
	EntityDate     EntityType = "date"     // normalised YYYY-MM-DD; relative dates ("tomorrow", "vendredi") from the classifier's clock
	EntityLanguage EntityType = "language" // a language asked for, normalised to a Lang
	EntityCountry  EntityType = "country"  // ISO 3166-1 alpha-3
	EntityDocument EntityType = "document" // passport or ID number candidate
	EntityTicket   EntityType = "ticket"   // 13-digit ticket number, normalised to digits only
	EntityFlight   EntityType = "flight"   // flight number, normalised as FlightNumber.String(): "KL1234"
	// EntityTime is a time of day, normalised "HH:MM" (24 h), or a part of the
	// day as a preference: "morning", "afternoon", "evening" or "night".
	EntityTime EntityType = "time"
	// EntityAirport is an airport or a city, normalised to IATA airport codes;
	// a city with several airports gives them all, comma-separated, main one
	// first ("LHR,LGW,LCY").
	EntityAirport EntityType = "airport"
)

// Entity is one value found in a message.
type Entity struct {
	Type       EntityType
	Text       string // as typed
	Normalized string
}

// Understanding is what the classifier made of one message.
type Understanding struct {
	Lang           Lang    // detected language, "" when unsure
	LangConfidence float64 // 0..1
	Intent         Intent
	Confidence     float64 // 0..1
	// Unsure is set when the message asks for something but no intent reached
	// its threshold: Intent is IntentNone and Alternatives holds the likely
	// intents, best first, for a clarifying question with choices. A
	// transactional intent is never returned below its (higher) threshold.
	Unsure       bool
	Alternatives []Intent
	Entities     []Entity
}

// First returns the first entity of a type.
func (u Understanding) First(t EntityType) (Entity, bool) {
	for _, e := range u.Entities {
		if e.Type == t {
			return e, true
		}
	}
	return Entity{}, false
}

// All returns the entities of a type in message order.
func (u Understanding) All(t EntityType) []Entity {
	var out []Entity
	for _, e := range u.Entities {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}
