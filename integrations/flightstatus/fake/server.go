package flightstatusfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// DefaultPageSize is AeroAPI's page size.
const DefaultPageSize = 15

// Options configure a Server.
type Options struct {
	// APIKey is the key requests must carry in x-apikey; any non-empty key is
	// accepted when empty.
	APIKey string
	// PageSize is the number of flights a page; DefaultPageSize when zero.
	PageSize int
}

// Request is one request the fake received.
type Request struct {
	Path  string
	Query url.Values
	// Status is the HTTP status answered.
	Status int
}

// Server is the fake provider.
type Server struct {
	mu       sync.Mutex
	key      string
	pageSize int
	flights  map[domain.FlightKey]domain.FlightStatusReport
	faults   []fault
	latency  time.Duration
	requests []Request
}

type fault struct {
	status     int
	retryAfter time.Duration
}

// New returns an empty fake provider.
func New(o Options) *Server {
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	return &Server{key: o.APIKey, pageSize: o.PageSize, flights: map[domain.FlightKey]domain.FlightStatusReport{}}
}

// Set adds a flight's status, or replaces the one with the same key.
func (s *Server) Set(r domain.FlightStatusReport) { s.SetMany([]domain.FlightStatusReport{r}) }

// SetMany adds or replaces several flights' statuses.
func (s *Server) SetMany(rs []domain.FlightStatusReport) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		s.flights[r.Key] = r
	}
}

// Remove forgets a flight.
func (s *Server) Remove(key domain.FlightKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.flights, key)
}

// SetPageSize changes the number of flights a page.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = max(n, 1)
}

// FailNext answers the next n requests with status (500 when zero), after the
// API key check. retryAfter, when above zero, is sent as Retry-After (whole
// seconds, at least 1). Calls queue up: FailNext(2, 500, 0) then FailNext(1,
// 429, time.Second) fails three requests in that order.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, retryAfter: retryAfter})
	}
}

// SetLatency delays every answer by d (zero: none). A request whose client gives
// up is answered no more.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests counts the requests received, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Received returns the requests received, in order.
func (s *Server) Received() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP answers GET /operators/{carrier_iata}/flights.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, Request{Path: r.URL.Path, Query: r.URL.Query()})
	latency := s.latency
	s.mu.Unlock()

	status := s.serve(w, r, latency)
	s.mu.Lock()
	s.requests[i].Status = status
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, latency time.Duration) int {
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return 0
		case <-t.C:
		}
	}
	carrier, ok := operatorPath(r.URL.Path)
	if !ok {
		return writeError(w, http.StatusNotFound, "Not found", "no such endpoint: "+r.URL.Path)
	}
	if r.Method != http.MethodGet {
		return writeError(w, http.StatusMethodNotAllowed, "Method not allowed", "only GET is served")
	}
	if k := r.Header.Get("x-apikey"); k == "" || (s.key != "" && k != s.key) {
		return writeError(w, http.StatusUnauthorized, "Invalid API key", "the x-apikey header is missing or unknown")
	}
	if f, ok := s.nextFault(); ok {
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(f.retryAfter.Round(time.Second)/time.Second))))
		}
		return writeError(w, f.status, http.StatusText(f.status), "fault injected by the fake")
	}
	q := r.URL.Query()
	start, err1 := time.Parse(time.RFC3339, q.Get("start"))
	end, err2 := time.Parse(time.RFC3339, q.Get("end"))
	if err1 != nil || err2 != nil {
		return writeError(w, http.StatusBadRequest, "Invalid argument", "start and end must be RFC 3339 date-times")
	}
	offset := 0
	if c := q.Get("cursor"); c != "" {
		if offset, ok = decodeCursor(c); !ok {
			return writeError(w, http.StatusBadRequest, "Invalid argument", "unknown cursor")
		}
	}

	flights, pageSize := s.window(domain.CarrierCode(carrier), start, end)
	page := pageDTO{Flights: []flightDTO{}, NumPages: 1}
	for _, f := range flights[min(offset, len(flights)):min(offset+pageSize, len(flights))] {
		page.Flights = append(page.Flights, toDTO(f))
	}
	if offset+pageSize < len(flights) {
		nq := url.Values{}
		nq.Set("start", q.Get("start"))
		nq.Set("end", q.Get("end"))
		nq.Set("cursor", encodeCursor(offset+pageSize))
		next := "/operators/" + carrier + "/flights?" + nq.Encode()
		page.Links = &linksDTO{Next: &next}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(page)
	return http.StatusOK
}

func (s *Server) nextFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// window returns the carrier's flights scheduled to depart in [start, end), in
// departure and then flight order, and the page size.
func (s *Server) window(carrier domain.CarrierCode, start, end time.Time) ([]domain.FlightStatusReport, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.FlightStatusReport
	for _, r := range s.flights {
		if r.Key.Flight.Carrier == carrier && !r.ScheduledDeparture.Before(start) && r.ScheduledDeparture.Before(end) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.ScheduledDeparture.Equal(b.ScheduledDeparture) {
			return a.ScheduledDeparture.Before(b.ScheduledDeparture)
		}
		return a.Key.String() < b.Key.String()
	})
	return out, s.pageSize
}

// operatorPath reads /operators/{carrier_iata}/flights, under any prefix (the
// base URL's path).
func operatorPath(p string) (string, bool) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	n := len(parts)
	if n < 3 || parts[n-3] != "operators" || parts[n-1] != "flights" {
		return "", false
	}
	c, err := domain.ParseCarrierCode(parts[n-2])
	if err != nil || string(c) != parts[n-2] {
		return "", false
	}
	return string(c), true
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	return n, err == nil && n >= 0 && strings.HasPrefix(string(b), "offset:")
}

func writeError(w http.ResponseWriter, status int, title, detail string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorDTO{Title: title, Reason: title, Detail: detail, Status: status})
	return status
}

// String describes the fake for test logs.
func (s *Server) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("flightstatusfake.Server{flights:%d requests:%d faults queued:%d}", len(s.flights), len(s.requests), len(s.faults))
}
