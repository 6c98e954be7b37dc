package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// The results dashboard: per flow, content version, language and channel over
// a period, computed by the store from the transition log and the message
// tables (see integrations/store/dashboard.go for the exact definitions).

// flowGoals names the state that counts as success for flows that have one;
// the dashboard reports the median time from start to it.
var flowGoals = map[string]string{"checkin": "checked_in"}

// defaultPeriod is the dashboard's period when none is chosen: the last seven
// days, today included.
const defaultPeriod = 7

// resultsQuery reads the period (from and to, dates in UTC, both included)
// and the filters of a request.
func (s *Server) resultsQuery(c *gin.Context) (domain.ResultsQuery, error) {
	const op = "read results period"
	today := s.now().UTC().Truncate(24 * time.Hour)
	q := domain.ResultsQuery{From: today.AddDate(0, 0, 1-defaultPeriod), To: today.AddDate(0, 0, 1),
		Flow: c.Query("flow"), Lang: domain.Lang(c.Query("lang")), Channel: domain.Channel(c.Query("channel")),
		Finals: map[string][]string{}, Goals: flowGoals}
	if v := c.Query("from"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return q, domain.Errorf(domain.Invalid, op, "from is a date like 2026-06-01")
		}
		q.From = t
	}
	if v := c.Query("to"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return q, domain.Errorf(domain.Invalid, op, "to is a date like 2026-06-30")
		}
		q.To = t.AddDate(0, 0, 1)
	}
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return q, domain.Errorf(domain.Invalid, op, "version is a content version number")
		}
		q.ContentVersion = n
	}
	if q.Channel != "" && !slices.Contains([]domain.Channel{domain.WebChat, domain.WhatsApp, domain.Messenger}, q.Channel) {
		return q, domain.Errorf(domain.Invalid, op, "channel is webchat, whatsapp or messenger")
	}
	for _, f := range flows.Flows() {
		for st, def := range f.States {
			if def.Final {
				q.Finals[f.Name] = append(q.Finals[f.Name], string(st))
			}
		}
	}
	return q, nil
}

// dashboardRow is a flow result with its rates, for the page.
type dashboardRow struct {
	domain.FlowResult
	CompletionRate, ContainmentRate string
}

func percent(n, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.Itoa((n*100+of/2)/of) + "%"
}

// dashboardPage shows the results of the chosen period and filters.
func dashboardPage(s *Server, c *gin.Context, a actor) {
	cc, ok := s.conversations(c, false)
	if !ok {
		return
	}
	p := pageFor(a, "Results", "results")
	q, err := s.resultsQuery(c)
	if err != nil {
		p.Error = domain.ErrorMessage(err)
	}
	res, rerr := cc.Results(c.Request.Context(), q)
	if rerr != nil && statusOf(rerr) == http.StatusInternalServerError {
		s.consoleFail(c, false, rerr)
		return
	}
	if rerr != nil {
		p.Error = domain.ErrorMessage(rerr)
	}
	var rows []dashboardRow
	for _, f := range res.Flows {
		rows = append(rows, dashboardRow{f, percent(f.Completed, f.Started), percent(f.Contained, f.Started)})
	}
	var names []string
	for _, f := range flows.Flows() {
		if f.Name != "handoff" {
			names = append(names, f.Name)
		}
	}
	checkin := ""
	if n := res.GoalRuns["checkin"]; n > 0 {
		checkin = res.GoalMedian["checkin"].Round(time.Second).String()
	}
	p.Data = map[string]any{"Query": q, "From": q.From.Format(time.DateOnly), "To": q.To.AddDate(0, 0, -1).Format(time.DateOnly),
		"Rows": rows, "Pushes": res.Pushes, "Flows": names, "Langs": s.langs,
		"Channels":      []domain.Channel{domain.WebChat, domain.WhatsApp, domain.Messenger},
		"CheckInMedian": checkin, "CheckIns": res.GoalRuns["checkin"]}
	s.render(c, http.StatusOK, "dashboard", p)
}

func apiResults(s *Server, c *gin.Context, _ actor) {
	cc, ok := s.conversations(c, true)
	if !ok {
		return
	}
	q, err := s.resultsQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := cc.Results(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	type dropJSON struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
		Count  int    `json:"count"`
	}
	type flowJSON struct {
		Flow           string         `json:"flow"`
		ContentVersion int            `json:"content_version"`
		Lang           domain.Lang    `json:"lang"`
		Channel        domain.Channel `json:"channel"`
		Started        int            `json:"started"`
		Completed      int            `json:"completed"`
		Succeeded      int            `json:"succeeded"`
		Contained      int            `json:"contained"`
		HandedOff      int            `json:"handed_off"`
		Abandoned      int            `json:"abandoned"`
		Open           int            `json:"open"`
		DropOff        []dropJSON     `json:"drop_off"`
		GoalMedianSecs *float64       `json:"goal_median_seconds,omitempty"`
	}
	type pushJSON struct {
		Kind           string         `json:"kind"`
		ContentVersion int            `json:"content_version"`
		Lang           domain.Lang    `json:"lang"`
		Channel        domain.Channel `json:"channel"`
		Queued         int            `json:"queued"`
		Sent           int            `json:"sent"`
		Delivered      int            `json:"delivered"`
		Read           int            `json:"read"`
		Failed         int            `json:"failed"`
		Blocked        int            `json:"blocked"`
		ActedOn        int            `json:"acted_on"`
	}
	flowsOut := make([]flowJSON, 0, len(res.Flows))
	for _, f := range res.Flows {
		j := flowJSON{f.Flow, f.ContentVersion, f.Lang, f.Channel, f.Started, f.Completed, f.Succeeded, f.Contained, f.HandedOff,
			f.Abandoned, f.Open, make([]dropJSON, 0, len(f.DropOff)), nil}
		for _, d := range f.DropOff {
			j.DropOff = append(j.DropOff, dropJSON{d.State, d.Reason, d.Count})
		}
		if f.Succeeded > 0 {
			secs := f.GoalMedian.Seconds()
			j.GoalMedianSecs = &secs
		}
		flowsOut = append(flowsOut, j)
	}
	pushes := make([]pushJSON, 0, len(res.Pushes))
	for _, p := range res.Pushes {
		pushes = append(pushes, pushJSON{p.Kind, p.ContentVersion, p.Lang, p.Channel, p.Queued, p.Sent, p.Delivered, p.Read, p.Failed, p.Blocked, p.ActedOn})
	}
	goals := map[string]gin.H{}
	for f, d := range res.GoalMedian {
		goals[f] = gin.H{"state": flowGoals[f], "runs": res.GoalRuns[f], "median_seconds": d.Seconds()}
	}
	c.JSON(http.StatusOK, gin.H{"from": q.From, "to": q.To, "flows": flowsOut, "pushes": pushes, "goals": goals})
}
