package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// FlightStatus ingests flight statuses pushed by an airline's operations system.
// flows.Watcher implements it: pushed and polled statuses take the same path, and
// a status pushed twice raises its events once.
type FlightStatus interface {
	Ingest(ctx context.Context, reports []domain.FlightStatusReport) (flows.IngestResult, error)
}

// Limits of a flight status push.
const (
	maxFlightStatusBytes = 1 << 20
	maxFlightStatusBatch = 1000
	// maxProblems bounds the problems listed in a refusal: a thousand bad items
	// need not come back as a megabyte of errors.
	maxProblems = 100
	// maxEcho bounds how much of a bad value is quoted back.
	maxEcho = 40
)

// flightStatusJSON is one flight of a push, as the airline sends it. Times are
// strings so that a bad one is reported with its field.
type flightStatusJSON struct {
	Carrier       string `json:"carrier"`
	FlightNumber  string `json:"flight_number"`
	DepartureDate string `json:"departure_date"`
	Status        string `json:"status"`
	Origin        string `json:"origin"`
	Destination   string `json:"destination"`

	ScheduledDeparture string `json:"scheduled_departure"`
	EstimatedDeparture string `json:"estimated_departure"`
	ActualDeparture    string `json:"actual_departure"`
	ScheduledArrival   string `json:"scheduled_arrival"`
	EstimatedArrival   string `json:"estimated_arrival"`
	ActualArrival      string `json:"actual_arrival"`

	DepartureTerminal string `json:"departure_terminal"`
	DepartureGate     string `json:"departure_gate"`
	ArrivalTerminal   string `json:"arrival_terminal"`
	ArrivalGate       string `json:"arrival_gate"`
	BaggageBelt       string `json:"baggage_belt"`
	DivertedTo        string `json:"diverted_to"`
	Reason            string `json:"reason"`
}

// problemJSON is one reason a push was refused: the item (0 for a single
// object), the field when one is to blame, and what is wrong.
type problemJSON struct {
	Index   int    `json:"index"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// pushFlightStatus takes one flight status object or {"flights":[...]}. A batch
// is all or nothing: one bad item refuses it whole, listing every problem, so
// that the sender fixes its mapping instead of losing flights silently.
func (s *Server) pushFlightStatus(c *gin.Context) {
	tok, ok := apiToken(c)
	if !ok {
		s.fail(c, errNoToken)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxFlightStatusBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("body larger than %d bytes", maxFlightStatusBytes)})
			return
		}
		badRequest(c, "could not read the request")
		return
	}
	items, err := splitFlightStatus(body)
	if err != nil {
		badRequest(c, err.Error())
		return
	}
	if len(items) > maxFlightStatusBatch {
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("at most %d flights per request, got %d", maxFlightStatusBatch, len(items))})
		return
	}
	source := "push:" + tok.Name
	reports := make([]domain.FlightStatusReport, 0, len(items))
	var probs []problemJSON
	for i, raw := range items {
		r, fps := decodeFlightStatus(raw, source)
		for _, p := range fps {
			p.Index = i
			probs = append(probs, p)
		}
		reports = append(reports, r)
	}
	if len(probs) > 0 {
		s.log.Warn("flight status push refused", "client", tok.Name, "flights", len(items), "problems", len(probs))
		out := gin.H{"error": "invalid flight status", "problems": probs}
		if len(probs) > maxProblems {
			out["problems"], out["omitted"] = probs[:maxProblems], len(probs)-maxProblems
		}
		c.AbortWithStatusJSON(http.StatusBadRequest, out)
		return
	}
	res, err := s.flightStatus.Ingest(c.Request.Context(), reports)
	if err != nil {
		if domain.IsCode(err, domain.Unavailable) {
			c.Header("Retry-After", "30")
		}
		s.fail(c, fmt.Errorf("ingest pushed flight status: %w", err))
		return
	}
	s.log.Info("flight status pushed", "client", tok.Name, "received", res.Received, "changed", res.Changed, "events", res.Events)
	c.JSON(http.StatusOK, gin.H{"received": res.Received, "changed": res.Changed, "events": res.Events})
}

// splitFlightStatus returns the flight objects of a body: the body itself, or
// the items of {"flights":[...]}.
func splitFlightStatus(body []byte) ([]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, errors.New(`the body must be a JSON object: one flight, or {"flights":[...]}`)
	}
	raw, batch := top["flights"]
	if !batch {
		return []json.RawMessage{body}, nil
	}
	for k := range top {
		if k != "flights" {
			return nil, fmt.Errorf(`unknown field %s: a batch has only "flights"`, echo(k))
		}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, errors.New(`"flights" must be a list of flight objects`)
	}
	if len(items) == 0 {
		return nil, errors.New(`"flights" is empty`)
	}
	return items, nil
}

// decodeFlightStatus reads one flight object strictly (an unknown field is a typo
// until proven otherwise) and converts it.
func decodeFlightStatus(raw json.RawMessage, source string) (domain.FlightStatusReport, []problemJSON) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f flightStatusJSON
	if err := dec.Decode(&f); err != nil {
		return domain.FlightStatusReport{}, []problemJSON{jsonProblem(err)}
	}
	return toFlightStatusReport(f, source)
}

// jsonProblem names the field a decoding error is about.
func jsonProblem(err error) problemJSON {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return problemJSON{Message: "a flight must be a JSON object"}
		}
		return problemJSON{Field: typeErr.Field, Message: "must be a string"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return problemJSON{Field: name, Message: "unknown field"}
	}
	return problemJSON{Message: "not valid JSON"}
}

// toFlightStatusReport converts a pushed flight and checks it field by field.
// Report.Validate stays the authority: it runs last, so that a rule the domain
// adds is enforced even before a field-level check names it here.
func toFlightStatusReport(f flightStatusJSON, source string) (domain.FlightStatusReport, []problemJSON) {
	var probs []problemJSON
	bad := func(field, msg string) { probs = append(probs, problemJSON{Field: field, Message: msg}) }
	r := domain.FlightStatusReport{Source: source}

	number, err := parsePushedFlightNumber(f.Carrier, f.FlightNumber)
	if err != nil {
		bad(err.field, err.msg)
	}
	date := strings.TrimSpace(f.DepartureDate)
	day, dateErr := time.Parse(time.DateOnly, date)
	switch {
	case date == "":
		bad("departure_date", "departure_date is missing (YYYY-MM-DD, local to the origin)")
	case dateErr != nil:
		bad("departure_date", fmt.Sprintf("%s is not a date (YYYY-MM-DD)", echo(date)))
	}
	r.Key = domain.FlightKey{Flight: number, Date: date}

	if strings.TrimSpace(f.Status) == "" {
		bad("status", "status is missing")
	} else if p, err := domain.ParseFlightPhase(f.Status); err != nil {
		bad("status", domain.ErrorMessage(err))
	} else {
		r.Phase = p
	}

	airport := func(field, v string) domain.AirportCode {
		if strings.TrimSpace(v) == "" {
			return ""
		}
		a, err := domain.ParseAirportCode(v)
		if err != nil {
			bad(field, domain.ErrorMessage(err))
		}
		return a
	}
	r.Origin = airport("origin", f.Origin)
	r.Destination = airport("destination", f.Destination)
	r.DivertedTo = airport("diverted_to", f.DivertedTo)
	if r.Phase == domain.PhaseDiverted && strings.TrimSpace(f.DivertedTo) == "" {
		bad("diverted_to", "a diverted flight needs the airport it diverted to")
	}

	instant := func(field, v string) time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			bad(field, fmt.Sprintf("%s is not an RFC 3339 time with an offset (2026-11-26T09:45:00+01:00)", echo(v)))
			return time.Time{}
		}
		return t
	}
	sched := instant("scheduled_departure", f.ScheduledDeparture)
	r.ScheduledDeparture = sched.UTC()
	r.EstimatedDeparture = instant("estimated_departure", f.EstimatedDeparture).UTC()
	r.ActualDeparture = instant("actual_departure", f.ActualDeparture).UTC()
	r.ScheduledArrival = instant("scheduled_arrival", f.ScheduledArrival).UTC()
	r.EstimatedArrival = instant("estimated_arrival", f.EstimatedArrival).UTC()
	r.ActualArrival = instant("actual_arrival", f.ActualArrival).UTC()
	if strings.TrimSpace(f.ScheduledDeparture) == "" {
		bad("scheduled_departure", "scheduled_departure is missing: it says which departure the status is about")
	}
	if !sched.IsZero() && dateErr == nil {
		// The date is local to the origin and the offset may be anyone's (often
		// Z): the two can differ by a day, not more.
		local := time.Date(sched.Year(), sched.Month(), sched.Day(), 0, 0, 0, 0, time.UTC)
		if d := local.Sub(day); d > 24*time.Hour || d < -24*time.Hour {
			bad("departure_date", fmt.Sprintf("departure_date %s does not match scheduled_departure %s", date, sched.Format(time.RFC3339)))
		}
	}
	if !r.EstimatedDeparture.IsZero() && !r.ScheduledDeparture.IsZero() &&
		r.EstimatedDeparture.Sub(r.ScheduledDeparture).Abs() > 72*time.Hour {
		bad("estimated_departure", "estimated_departure is more than 72 hours from scheduled_departure")
	}

	short := func(field, v string) string {
		v = strings.TrimSpace(v)
		if len(v) > 8 {
			bad(field, fmt.Sprintf("%s is longer than 8 characters", echo(v)))
		}
		return v
	}
	r.DepartureTerminal = short("departure_terminal", f.DepartureTerminal)
	r.DepartureGate = short("departure_gate", f.DepartureGate)
	r.ArrivalTerminal = short("arrival_terminal", f.ArrivalTerminal)
	r.ArrivalGate = short("arrival_gate", f.ArrivalGate)
	r.BaggageBelt = short("baggage_belt", f.BaggageBelt)
	r.Reason = strings.TrimSpace(f.Reason)
	if len(r.Reason) > 200 {
		bad("reason", "reason is longer than 200 characters")
	}

	if len(probs) == 0 {
		if err := r.Validate(); err != nil {
			bad("", domain.ErrorMessage(err))
		}
	}
	return r, probs
}

// fieldError is a problem with one field of a pushed flight.
type fieldError struct{ field, msg string }

// parsePushedFlightNumber reads carrier "KL" with flight_number "1234", "1234A",
// "KL1234" or "KL 1234A"; the carrier may be left out when the number has it.
func parsePushedFlightNumber(carrier, number string) (domain.FlightNumber, *fieldError) {
	number = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(number), " ", ""))
	if number == "" {
		return domain.FlightNumber{}, &fieldError{"flight_number", "flight_number is missing"}
	}
	// A number that starts with a designator (which has at least one letter)
	// is complete; "1234" and "1234A" need the carrier.
	complete := len(number) > 2 && strings.ContainsAny(number[:2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	if strings.TrimSpace(carrier) == "" {
		if !complete {
			return domain.FlightNumber{}, &fieldError{"carrier", "carrier is missing"}
		}
		n, err := domain.ParseFlightNumber(number)
		if err != nil {
			return domain.FlightNumber{}, &fieldError{"flight_number", domain.ErrorMessage(err)}
		}
		return n, nil
	}
	c, err := domain.ParseCarrierCode(carrier)
	if err != nil {
		return domain.FlightNumber{}, &fieldError{"carrier", domain.ErrorMessage(err)}
	}
	if !complete {
		number = string(c) + number
	}
	n, err := domain.ParseFlightNumber(number)
	if err != nil {
		return domain.FlightNumber{}, &fieldError{"flight_number", domain.ErrorMessage(err)}
	}
	if n.Carrier != c {
		return domain.FlightNumber{}, &fieldError{"flight_number", fmt.Sprintf("flight %s is not a flight of carrier %s", n, c)}
	}
	return n, nil
}

// echo quotes a client's value back, cut short.
func echo(s string) string {
	if len(s) > maxEcho {
		s = strings.ToValidUTF8(s[:maxEcho], "") + "…"
	}
	return strconv.Quote(s)
}
