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
)

// EntityType is the kind of a value found in a message.
type EntityType string

// Entity types.
const (
	EntityLocator  EntityType = "locator"  // record locator candidate, normalised upper case
	EntitySurname  EntityType = "surname"  // surname candidate, as typed
	EntityNumber   EntityType = "number"   // a count or list index, normalised to digits
	EntitySeat     EntityType = "seat"     // "14C"
	EntityDate     EntityType = "date"     // normalised YYYY-MM-DD
	EntityLanguage EntityType = "language" // a language asked for, normalised to a Lang
	EntityCountry  EntityType = "country"  // ISO 3166-1 alpha-3
	EntityDocument EntityType = "document" // passport or ID number candidate
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
	Entities       []Entity
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
