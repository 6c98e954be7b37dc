package graphfake

import (
	"encoding/json"
	"io"
	"net/http"
)

// listRequests answers GET /_fake/requests[?recipient=…&channel=…].
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	recipient := normalizeRecipient(r.URL.Query().Get("recipient"))
	channel := Channel(r.URL.Query().Get("channel"))
	reqs, _ := s.rec.snapshot(func(q Request) bool {
		return (recipient == "" || q.Recipient == recipient) && (channel == "" || q.Channel == channel)
	})
	writeJSON(w, http.StatusOK, map[string]any{"requests": reqs, "count": len(reqs)})
}

// deleteRequests answers DELETE /_fake/requests.
func (s *Server) deleteRequests(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// postFaults answers POST /_fake/faults with a Faults document; it replaces the
// faults in force.
func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	f, err := parseFaults(b)
	if err == nil {
		err = s.SetFaults(f)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	_ = s.SetFaults(Faults{})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listCallbacks(w http.ResponseWriter, _ *http.Request) {
	cbs := s.Callbacks()
	writeJSON(w, http.StatusOK, map[string]any{"callbacks": cbs, "count": len(cbs)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
