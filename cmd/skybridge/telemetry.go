package main

import (
	"context"
	"database/sql"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/telemetry"
	"github.com/skybridge/skybridge/migrations"
)

var (
	_ flows.Metrics        = (*telemetry.Metrics)(nil)
	_ api.Metrics          = (*telemetry.Metrics)(nil)
	_ domain.BookingSystem = (*telemetry.BookingSystem)(nil)
)

// queueCacheTTL bounds how often a scrape reads the job table: scrapes from
// several Prometheus servers, or a dashboard refreshing, cost one query.
const queueCacheTTL = 5 * time.Second

// watchQueue adds the depth of the job queue, read from the database at scrape
// time, to the metrics.
func watchQueue(m *telemetry.Metrics, sqlDB *sql.DB, dialect migrations.Dialect, schema string) error {
	q := telemetry.NewRiverQueue(sqlDB, dialect == migrations.Postgres, schema)
	return m.WatchQueue(q.Stats, queueCacheTTL)
}

// countedChannels makes each channel's webhook parser count the events it reads
// (after the signature is verified, before they are stored), and the delivery
// reports among them: a message's fate after it was sent (delivered, read,
// failed) is only known from those.
func countedChannels(hooks map[domain.Channel]api.Channel, m *telemetry.Metrics) {
	for ch, h := range hooks {
		parse, account := h.Parse, h.Account
		h.Parse = func(body []byte) ([]domain.ChannelEvent, error) {
			events, err := parse(body)
			for _, ev := range events {
				if account != "" && ev.Account != "" && ev.Account != account {
					continue
				}
				m.InboundEvent(ch, string(ev.Kind))
				// "sent" is counted by the deliverer when the platform takes the
				// message; the report of it would count it twice.
				if ev.Kind == domain.EventStatus && ev.Status.Status != domain.StatusSent {
					m.Delivery(ch, string(ev.Status.Status), ev.Status.ErrorCode)
				}
			}
			return events, err
		}
		hooks[ch] = h
	}
}

// countingStore counts the web chat messages travellers send (a client's retry
// of a stored message is not counted again).
type countingStore struct {
	api.Store
	m *telemetry.Metrics
}

func (s countingStore) Accept(ctx context.Context, in domain.Inbound, userID string) (int64, bool, error) {
	id, dup, err := s.Store.Accept(ctx, in, userID)
	if err == nil && !dup {
		s.m.InboundEvent(in.Channel, string(domain.EventMessage))
	}
	return id, dup, err
}
