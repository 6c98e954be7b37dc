package llm

import (
	"encoding/json"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// The chat-completions wire format (the subset this client uses).

type chatRequest struct {
	Model          string         `json:"model"`
	Messages       []chatMessage  `json:"messages"`
	Temperature    float64        `json:"temperature"`
	ResponseFormat responseFormat `json:"response_format"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type responseFormat struct {
	Type       string      `json:"type"` // "json_schema" or "json_object"
	JSONSchema *jsonSchema `json:"json_schema,omitempty"`
}

type jsonSchema struct {
	Name   string          `json:"name"`
	Strict bool            `json:"strict"`
	Schema json.RawMessage `json:"schema"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

// errorResponse is the error body OpenAI-compatible servers send.
type errorResponse struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	} `json:"error"`
}

// verdict is the content the endpoint must answer with.
type verdict struct {
	Intent     *string         `json:"intent"`
	Confidence *float64        `json:"confidence"`
	Entities   []verdictEntity `json:"entities"`
}

type verdictEntity struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// intentNone is how the endpoint says that the message asks for none of the
// intents.
const intentNone = "none"

// EntityTypes are the entity types the endpoint may report: values that say
// nothing about who the traveller is. Booking references, ticket and document
// numbers, names and nationalities come from the built-in extractor only.
var EntityTypes = []domain.EntityType{
	domain.EntityDate, domain.EntityTime, domain.EntityAirport, domain.EntityFlight,
	domain.EntityNumber, domain.EntitySeat, domain.EntityLanguage,
}

// schema is the strict JSON schema of the answer: every property required and
// no other allowed, as OpenAI's structured outputs demand.
var schema = func() json.RawMessage {
	intents := []string{intentNone}
	for _, in := range domain.Intents {
		intents = append(intents, string(in))
	}
	types := make([]string, len(EntityTypes))
	for i, t := range EntityTypes {
		types[i] = string(t)
	}
	s := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"intent":     map[string]any{"type": "string", "enum": intents},
			"confidence": map[string]any{"type": "number"},
			"entities": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"type":  map[string]any{"type": "string", "enum": types},
						"value": map[string]any{"type": "string"},
					},
					"required":             []string{"type", "value"},
					"additionalProperties": false,
				},
			},
		},
		"required":             []string{"intent", "confidence", "entities"},
		"additionalProperties": false,
	}
	b, err := json.Marshal(s) // map keys are sorted: the schema is stable
	if err != nil {
		panic(err)
	}
	return b
}()

// intentMeanings describe the intents to the model, in the order of
// domain.Intents.
var intentMeanings = map[domain.Intent]string{
	domain.IntentCheckIn:         "check in for a flight",
	domain.IntentBoardingPass:    "get a boarding pass",
	domain.IntentFlightStatus:    "is the flight on time, departure time, gate",
	domain.IntentChangeFlight:    "move to another flight or date",
	domain.IntentCancel:          "cancel the booking",
	domain.IntentDisruption:      "the airline cancelled or delayed the flight, a missed connection, asks to be rebooked",
	domain.IntentAddBag:          "buy extra checked baggage",
	domain.IntentChooseSeat:      "choose or change a seat",
	domain.IntentMeal:            "order a meal",
	domain.IntentExtras:          "buy priority boarding, lounge access or other paid extras",
	domain.IntentBaggageQuestion: "what baggage is allowed",
	domain.IntentQuestion:        "any other question about rules (pets, liquids, refunds, sports equipment, assistance)",
	domain.IntentHuman:           "talk to a person",
	domain.IntentStartOver:       "start again",
	domain.IntentStopMessages:    "stop receiving updates",
	domain.IntentStartMessages:   "receive updates again",
	domain.IntentChangeLanguage:  "speak another language",
	domain.IntentHelp:            "what can the assistant do",
	domain.IntentGreeting:        "hello",
	domain.IntentThanks:          "thank you",
	domain.IntentYes:             "agrees, confirms",
	domain.IntentNo:              "refuses, declines",
	domain.IntentResume:          "continue where they were",
}

// systemPrompt tells the model its one job. It names the schema in words too,
// for servers that only honour "json_object".
var systemPrompt = func() string {
	var b strings.Builder
	b.WriteString("You classify one message a traveller sent to an airline's assistant. ")
	b.WriteString("Answer with a JSON object only: {\"intent\": string, \"confidence\": number from 0 to 1, ")
	b.WriteString("\"entities\": [{\"type\": string, \"value\": string}]}.\n")
	b.WriteString("intent is one of:\n- none: the message asks for none of these\n")
	for _, in := range domain.Intents {
		b.WriteString("- " + string(in) + ": " + intentMeanings[in] + "\n")
	}
	b.WriteString("entities are the values in the message, each value copied exactly as it is written in the message, of the types: ")
	b.WriteString("date (a day, absolute or relative), time (a time of day or morning/afternoon/evening/night), ")
	b.WriteString("airport (an airport or a city), flight (a flight number), number (a count), seat (a seat like 14C), ")
	b.WriteString("language (a language asked for). ")
	b.WriteString("Words in square brackets such as [reference], [name], [phone] stand for personal data that was withheld; never guess them. ")
	b.WriteString("confidence is how sure you are of the intent. Do not write anything else.")
	return b.String()
}()
