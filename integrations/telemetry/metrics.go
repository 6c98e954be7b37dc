package telemetry

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/skybridge/skybridge/domain"
)

const namespace = "skybridge"

// Latency buckets, in seconds. Turns and outside calls take milliseconds to a few
// seconds; a push is measured from the status change to the message leaving, which
// can take minutes when a large flight fans out.
var (
	fastBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	lagBuckets  = []float64{.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800}
)

// Metrics records what Skybridge does, on a Prometheus registry of its own (never
// the global one, so that two instances in one test process do not collide). It is
// safe for concurrent use; the zero value is not: build it with New.
type Metrics struct {
	reg *prometheus.Registry

	inbound    *prometheus.CounterVec
	acks       *prometheus.HistogramVec
	turns      *prometheus.CounterVec
	turnTime   *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	jobRetries *prometheus.CounterVec
	jobDead    *prometheus.CounterVec
	pushLag    *prometheus.HistogramVec
	calls      *prometheus.HistogramVec
	callErrors *prometheus.CounterVec
	breakers   *prometheus.GaugeVec
	scrapeErr  prometheus.Counter
}

// New builds the metrics on a fresh registry, with the Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "inbound_events_total",
			Help: "Events received from travellers' channels, by channel and kind (message, status, watermark, preference, ignored).",
		}, []string{"channel", "kind"}),
		acks: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace,
			Name:    "webhook_ack_seconds",
			Help:    "Time from receiving a webhook or web chat message to answering it (after it is stored), by channel and HTTP status.",
			Buckets: fastBuckets,
		}, []string{"channel", "code"}),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "turns_total",
			Help: "Conversation turns, by flow and outcome (continued, completed, abandoned, conflict, failed).",
		}, []string{"flow", "outcome"}),
		turnTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace,
			Name:    "turn_seconds",
			Help:    "Time to compute and commit one turn (load, understand, booking-system calls, commit), by flow.",
			Buckets: fastBuckets,
		}, []string{"flow"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "outbound_deliveries_total",
			Help: "Outbound messages by channel and result (sent, delivered, read, failed, blocked); code is the platform's error code of a failure, else 0.",
		}, []string{"channel", "result", "code"}),
		jobRetries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "job_retries_total",
			Help: "Jobs that failed and will be retried, by kind.",
		}, []string{"kind"}),
		jobDead: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "job_dead_letters_total",
			Help: "Jobs discarded after their last attempt, by kind.",
		}, []string{"kind"}),
		pushLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace,
			Name:    "push_lag_seconds",
			Help:    "Time from Skybridge seeing a flight status change to the notification leaving for the traveller, by channel and event kind.",
			Buckets: lagBuckets,
		}, []string{"channel", "kind"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace,
			Name:    "call_seconds",
			Help:    "Latency of calls to outside systems (booking system, payments, …), by system and operation, errors included.",
			Buckets: fastBuckets,
		}, []string{"system", "op"}),
		callErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "call_errors_total",
			Help: "Failed calls to outside systems, by system, operation and error code (not_found, unavailable, timeout, …).",
		}, []string{"system", "op", "code"}),
		breakers: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace,
			Name: "breaker_state",
			Help: "Circuit breakers: 1 for the state each breaker is in (closed, half-open, open), 0 for the others.",
		}, []string{"name", "state"}),
		scrapeErr: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace,
			Name: "queue_scrape_errors_total",
			Help: "Failures to read the job queue's depth at scrape time.",
		}),
	}
	m.reg.MustRegister(m.inbound, m.acks, m.turns, m.turnTime, m.deliveries, m.jobRetries, m.jobDead,
		m.pushLag, m.calls, m.callErrors, m.breakers, m.scrapeErr,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics live on, for extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// InboundEvent counts one event received on a channel.
func (m *Metrics) InboundEvent(ch domain.Channel, kind string) {
	m.inbound.WithLabelValues(string(ch), kind).Inc()
}

// Acknowledged observes how long an intake request took to be answered.
func (m *Metrics) Acknowledged(ch domain.Channel, status int, took time.Duration) {
	m.acks.WithLabelValues(string(ch), strconv.Itoa(status)).Observe(took.Seconds())
}

// TurnDone counts one turn and observes its duration. flow is "none" outside any
// flow.
func (m *Metrics) TurnDone(flow, outcome string, took time.Duration) {
	if flow == "" {
		flow = "none"
	}
	m.turns.WithLabelValues(flow, outcome).Inc()
	m.turnTime.WithLabelValues(flow).Observe(took.Seconds())
}

// Delivery counts what became of one outbound message: result is a delivery
// status (sent, delivered, read, failed, blocked), code the platform's error code
// of a failure.
func (m *Metrics) Delivery(ch domain.Channel, result string, code int) {
	m.deliveries.WithLabelValues(string(ch), result, strconv.Itoa(code)).Inc()
}

// PushSent observes the lag of one flight-update notification.
func (m *Metrics) PushSent(ch domain.Channel, kind string, lag time.Duration) {
	m.pushLag.WithLabelValues(string(ch), kind).Observe(max(lag, 0).Seconds())
}

// JobFailed counts a failed job: a retry to come, or a dead letter when it was
// the last attempt.
func (m *Metrics) JobFailed(kind string, final bool) {
	if final {
		m.jobDead.WithLabelValues(kind).Inc()
		return
	}
	m.jobRetries.WithLabelValues(kind).Inc()
}

// ObserveCall records one call to an outside system: its latency, and its error
// classified by domain code (or timeout, canceled). Adapters of outside systems
// (booking systems, payments) call it around each request.
func (m *Metrics) ObserveCall(system, op string, d time.Duration, err error) {
	m.calls.WithLabelValues(system, op).Observe(d.Seconds())
	if err != nil {
		m.callErrors.WithLabelValues(system, op, errorCode(err)).Inc()
	}
}

// errorCode names an error for a label, from a small fixed set.
func errorCode(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return string(domain.ErrorCode(err))
}

// breakerStates are the states of github.com/sony/gobreaker (their String form).
var breakerStates = []string{"closed", "half-open", "open"}

// BreakerState records that a circuit breaker moved to state ("closed",
// "half-open" or "open"); adapters call it from their breaker's OnStateChange.
func (m *Metrics) BreakerState(name, state string) {
	known := false
	for _, s := range breakerStates {
		v := 0.0
		if s == state {
			v, known = 1, true
		}
		m.breakers.WithLabelValues(name, s).Set(v)
	}
	if !known {
		m.breakers.WithLabelValues(name, state).Set(1)
	}
}
