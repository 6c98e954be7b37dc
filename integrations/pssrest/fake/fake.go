package fake

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/internal/wire"
)

// Faults make the fake misbehave.
type Faults struct {
	// Latency delays every answer.
	Latency time.Duration
	// Hang never answers: the request waits until the client gives up.
	Hang bool
	// FailRatio of the calls (0 to 1, drawn from a seeded generator) are answered
	// with FailStatus (default 503) before doing anything.
	FailRatio  float64
	FailStatus int
	// RetryAfter, in seconds, is sent with failed answers when not zero.
	RetryAfter int
	// SlowAnswer does the work, then waits this long before answering: a client
	// that gave up meanwhile never learns that its request was applied.
	SlowAnswer time.Duration
	// Only applies the faults to the next Only calls, then none (0: every call).
	Only int
}

// Server is the fake booking system. It is an http.Handler.
type Server struct {
	apiKey string
	now    func() time.Time

	mu      sync.Mutex
	faults  Faults
	rnd     *rand.Rand
	calls   int
	left    int // calls the faults still apply to, when faults.Only > 0
	applied int
	keys    map[string]stored // answers by Idempotency-Key
	data    *airline
	mux     *http.ServeMux
}

type stored struct {
	fingerprint string
	status      int
	body        []byte
}

// New returns the fake with its demo data placed relative to now(); apiKey is the
// bearer token it accepts ("" accepts any).
func New(apiKey string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{apiKey: apiKey, now: now, rnd: rand.New(rand.NewPCG(1, 2)), keys: map[string]stored{}, data: seed(now())}
	m := http.NewServeMux()
	m.HandleFunc("GET /bookings/{locator}", s.findBooking)
	m.HandleFunc("GET /carriers/{carrier}/check-in-policy", s.checkInPolicy)
	m.HandleFunc("GET /flights/{flightId}/seat-map", s.seatMap)
	m.HandleFunc("POST /bookings/{locator}/check-ins", s.idempotent(s.checkIn))
	m.HandleFunc("GET /bookings/{locator}/change-rules", s.changeRules)
	m.HandleFunc("GET /bookings/{locator}/alternatives", s.alternatives)
	m.HandleFunc("POST /bookings/{locator}/reissues", s.idempotent(s.reissue))
	m.HandleFunc("POST /bookings/{locator}/cancellations", s.idempotent(s.cancel))
	m.HandleFunc("GET /bookings/{locator}/ancillary-offer", s.ancillaryOffer)
	m.HandleFunc("POST /ancillary-offers/{offerId}/quotes", s.idempotent(s.quote))
	m.HandleFunc("POST /ancillary-offers/{offerId}/seat-releases", s.idempotent(s.releaseSeats))
	m.HandleFunc("POST /ancillary-offers/{offerId}/fulfilments", s.idempotent(s.fulfil))
	m.HandleFunc("GET /carriers", s.carriers)
	m.HandleFunc("GET /flights", s.flightsDeparting)
	m.HandleFunc("GET /operated-flights/{flightNumber}/{date}", s.flightByKey)
	m.HandleFunc("GET /operated-flights/{flightNumber}/{date}/travellers", s.travellers)
	s.mux = m
	return s
}

// SetFaults changes the faults from the next call on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.left = f.Only
}

// Applied returns how many mutations the fake carried out (replays not counted).
func (s *Server) Applied() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// Calls returns how many requests reached the fake.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Locators lists the fake's bookings.
func (s *Server) Locators() []domain.RecordLocator {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.locators()
}

// ServeHTTP answers a request of the contract, after the faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	f := s.faults
	if f.Only > 0 {
		if s.left == 0 {
			f = Faults{}
		} else {
			s.left--
		}
	}
	fail := f.FailRatio > 0 && s.rnd.Float64() < f.FailRatio
	s.mu.Unlock()
	if f.Hang {
		<-r.Context().Done()
		return
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if fail {
		st := f.FailStatus
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		code := domain.Unavailable
		if st == http.StatusInternalServerError {
			code = domain.Internal
		}
		writeJSON(w, st, wire.Error{Code: string(code), Message: "injected failure"})
		return
	}
	if s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		writeJSON(w, http.StatusUnauthorized, wire.Error{Code: string(domain.Forbidden), Message: "bad api key"})
		return
	}
	if f.SlowAnswer <= 0 {
		s.mux.ServeHTTP(w, r)
		return
	}
	rec := &buffered{header: http.Header{}, status: 200}
	s.mux.ServeHTTP(rec, r)
	t := time.NewTimer(f.SlowAnswer)
	select {
	case <-r.Context().Done():
		t.Stop()
		return
	case <-t.C:
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// buffered holds an answer back.
type buffered struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffered) Header() http.Header         { return b.header }
func (b *buffered) WriteHeader(status int)      { b.status = status }
func (b *buffered) Write(p []byte) (int, error) { return b.body.Write(p) }

// handler answers with a status and a body.
type handler func(r *http.Request, body []byte) (int, any)

// idempotent applies a POST once per Idempotency-Key: a repeat gets the stored
// answer, a key with another request a 409.
func (s *Server) idempotent(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			writeJSON(w, 422, wire.Error{Code: string(domain.Invalid), Message: "Idempotency-Key header required"})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		fp := string(sum[:])
		s.mu.Lock()
		defer s.mu.Unlock()
		if st, ok := s.keys[key]; ok {
			if st.fingerprint != fp {
				writeJSON(w, http.StatusConflict, wire.Error{Code: string(domain.Conflict), Message: "idempotency key already used for another request"})
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(st.status)
			w.Write(st.body)
			return
		}
		status, out := h(r, body)
		if status < 300 {
			s.applied++
		}
		b, _ := json.Marshal(out)
		// Verdicts are kept like successes; a failure of the fake itself is not.
		if status < 500 {
			s.keys[key] = stored{fingerprint: fp, status: status, body: b}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(b)
	}
}

func (s *Server) locked(w http.ResponseWriter, r *http.Request, h handler) {
	s.mu.Lock()
	status, out := h(r, nil)
	s.mu.Unlock()
	writeJSON(w, status, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail turns an error into an Error answer.
func fail(err error) (int, any) {
	var de *domain.Error
	if !errors.As(err, &de) {
		return 500, wire.Error{Code: string(domain.Internal), Message: err.Error()}
	}
	st, ok := wire.Status[de.Code]
	if !ok {
		st = 500
	}
	return st, wire.Error{Code: string(de.Code), Message: de.Message}
}

func decode(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return domain.Errorf(domain.Invalid, "decode", "body does not fit the contract: %v", err)
	}
	return nil
}

func segmentIDs(r *http.Request) ([]int64, error) {
	var out []int64
	for _, v := range r.URL.Query()["segment_id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, domain.Errorf(domain.Invalid, "read segments", "bad segment_id %q", v)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.Invalid, "read segments", "segment_id required")
	}
	return out, nil
}

func (s *Server) findBooking(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		b, err := s.data.booking(domain.RecordLocator(r.PathValue("locator")))
		if err != nil {
			return fail(err)
		}
		return 200, wire.FromBooking(b)
	})
}

func (s *Server) checkInPolicy(w http.ResponseWriter, r *http.Request) {
	p := domain.DefaultCheckInPolicy
	writeJSON(w, 200, wire.CheckInPolicy{OpensMinutes: int(p.Opens / time.Minute), ClosesMinutes: int(p.Closes / time.Minute)})
}

func (s *Server) seatMap(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		id, _ := strconv.ParseInt(r.PathValue("flightId"), 10, 64)
		m, err := s.data.seatMap(id)
		if err != nil {
			return fail(err)
		}
		return 200, wire.FromSeatMap(m)
	})
}

func (s *Server) checkIn(r *http.Request, body []byte) (int, any) {
	var in wire.CheckInRequest
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	req := wire.ToCheckInRequest(r.Header.Get("Idempotency-Key"), domain.RecordLocator(r.PathValue("locator")), in)
	out, err := s.data.checkIn(req, s.now())
	if err != nil {
		return fail(err)
	}
	w := wire.CheckIns{CheckIns: []wire.CheckIn{}}
	for _, c := range out {
		w.CheckIns = append(w.CheckIns, wire.FromCheckIn(c))
	}
	return 200, w
}

func (s *Server) changeRules(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		ids, err := segmentIDs(r)
		if err != nil {
			return fail(err)
		}
		cr, err := s.data.changeRules(domain.RecordLocator(r.PathValue("locator")), ids)
		if err != nil {
			return fail(err)
		}
		return 200, wire.ChangeRules{Changeable: cr.Changeable, Fee: wire.FromMoney(cr.Fee), Refundable: cr.Refundable, Reason: cr.Reason}
	})
}

func (s *Server) alternatives(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		ids, err := segmentIDs(r)
		if err != nil {
			return fail(err)
		}
		q := domain.AlternativesQuery{Locator: domain.RecordLocator(r.PathValue("locator")), SegmentIDs: ids,
			Involuntary: r.URL.Query().Get("involuntary") == "true"}
		from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
		if err1 != nil || err2 != nil {
			return fail(domain.Errorf(domain.Invalid, "alternatives", "from and to must be RFC 3339 times"))
		}
		q.From, q.To = from, to
		alts, err := s.data.alternatives(q, s.now())
		if err != nil {
			return fail(err)
		}
		out := wire.Alternatives{Alternatives: []wire.Alternative{}}
		for _, a := range alts {
			out.Alternatives = append(out.Alternatives, wire.FromAlternative(a))
		}
		return 200, out
	})
}

func (s *Server) reissue(r *http.Request, body []byte) (int, any) {
	var in wire.ReissueRequest
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	res, err := s.data.reissue(domain.ReissueRequest{Locator: domain.RecordLocator(r.PathValue("locator")), SegmentIDs: in.SegmentIDs,
		AlternativeID: in.AlternativeID, PaymentID: in.PaymentID, Involuntary: in.Involuntary}, s.now())
	if err != nil {
		return fail(err)
	}
	out := wire.Reissue{Booking: wire.FromBooking(res.Booking), NewSegmentIDs: res.NewSegmentIDs, CarriedOver: wire.FromEMDs(res.CarriedOver),
		Refunded: wire.FromEMDs(res.Refunded), VoidedCheckIns: []wire.CheckIn{}, Replacements: wire.FromReplacements(res.Replacements)}
	for _, c := range res.VoidedCheckIns {
		out.VoidedCheckIns = append(out.VoidedCheckIns, wire.FromCheckIn(c))
	}
	return 200, out
}

func (s *Server) cancel(r *http.Request, body []byte) (int, any) {
	var in wire.CancelRequest
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	c, err := s.data.cancel(domain.RecordLocator(r.PathValue("locator")), in.SegmentIDs, in.Involuntary)
	if err != nil {
		return fail(err)
	}
	return 200, wire.Cancellation{Reference: c.Reference, Refund: wire.FromMoney(c.Refund)}
}

func (s *Server) ancillaryOffer(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		o, err := s.data.offer(domain.RecordLocator(r.PathValue("locator")), s.now())
		if err != nil {
			return fail(err)
		}
		return 200, wire.FromOffer(o)
	})
}

func (s *Server) quote(r *http.Request, body []byte) (int, any) {
	var in wire.Basket
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	q, err := s.data.quote(r.PathValue("offerId"), wire.ToBasket(in.Items), s.now())
	if err != nil {
		return fail(err)
	}
	return 200, wire.FromQuote(q)
}

func (s *Server) fulfil(r *http.Request, body []byte) (int, any) {
	var in wire.FulfilRequest
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	if strings.TrimSpace(in.PaymentID) == "" {
		return fail(domain.Errorf(domain.Invalid, "fulfil", "payment_id required"))
	}
	emds, err := s.data.fulfil(r.PathValue("offerId"), domain.RecordLocator(in.Locator), wire.ToBasket(in.Items), s.now())
	if err != nil {
		return fail(err)
	}
	return 200, wire.EMDs{EMDs: wire.FromEMDs(emds)}
}

// releaseSeats answers a release of seat holds. The fake holds no seats for quotes
// (a quote only checks that the seat is still free), so there is nothing to give
// back; an unknown offer is still a 404.
func (s *Server) releaseSeats(r *http.Request, body []byte) (int, any) {
	var in wire.Basket
	if err := decode(body, &in); err != nil {
		return fail(err)
	}
	if _, ok := s.data.offers[r.PathValue("offerId")]; !ok {
		return fail(domain.Errorf(domain.NotFound, "release seat holds", "no such offer"))
	}
	return http.StatusNoContent, nil
}
