package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/messenger"
	"github.com/skybridge/skybridge/integrations/whatsapp"
)

var (
	_ flows.Sender = (*whatsapp.Client)(nil)
	_ flows.Sender = (*messenger.Client)(nil)
)

// channels builds, for each configured messaging platform, its webhook settings,
// its parser and its sender. A platform without an app secret is disabled and says
// so at start.
func channels(cfg Config, log *slog.Logger) (map[domain.Channel]api.Channel, map[domain.Channel]flows.Parser, map[domain.Channel]flows.Sender) {
	hooks := map[domain.Channel]api.Channel{}
	parsers := map[domain.Channel]flows.Parser{}
	senders := map[domain.Channel]flows.Sender{}
	// Every delivery worker talks to the same Graph host: keep enough idle
	// connections for all of them (the default keeps two, and the rest would
	// open a new TLS connection per message).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Timeout: 15 * time.Second, Transport: tr}
	if cfg.WhatsApp.Enabled() {
		hooks[domain.WhatsApp] = api.Channel{AppSecret: cfg.WhatsApp.AppSecret, VerifyToken: cfg.WhatsApp.VerifyToken,
			Account: cfg.WhatsApp.PhoneNumberID, Parse: whatsapp.Parse}
		parsers[domain.WhatsApp] = whatsapp.Parse
		client := whatsapp.New(whatsapp.Config{BaseURL: cfg.GraphURL, Version: cfg.GraphVersion,
			PhoneNumberID: cfg.WhatsApp.PhoneNumberID, AccessToken: cfg.WhatsApp.AccessToken,
			PublicBaseURL: cfg.PublicURL, HTTPClient: hc})
		// Stay under the number's throughput (80 messages/s by default) instead of
		// provoking 130429 errors; bursts up to one second's worth.
		senders[domain.WhatsApp] = limited{client, rate.NewLimiter(rate.Limit(cfg.WhatsApp.Rate), max(1, int(cfg.WhatsApp.Rate)))}
		log.Info("channel enabled", "channel", "whatsapp", "graph", cfg.GraphURL)
	} else {
		log.Info("channel disabled: set SKYBRIDGE_WHATSAPP_APP_SECRET and friends to enable it", "channel", "whatsapp")
	}
	if cfg.Messenger.Enabled() {
		parse := messenger.Parser{AppID: cfg.Messenger.AppID}.Parse
		hooks[domain.Messenger] = api.Channel{AppSecret: cfg.Messenger.AppSecret, VerifyToken: cfg.Messenger.VerifyToken,
			Account: cfg.Messenger.PageID, Parse: parse}
		parsers[domain.Messenger] = parse
		senders[domain.Messenger] = messenger.New(messenger.Config{BaseURL: cfg.GraphURL, Version: cfg.GraphVersion,
			PageID: cfg.Messenger.PageID, PageToken: cfg.Messenger.PageToken, PublicBaseURL: cfg.PublicURL, HTTPClient: hc})
		log.Info("channel enabled", "channel", "messenger", "graph", cfg.GraphURL)
		if cfg.Messenger.AppID == "" {
			log.Warn("SKYBRIDGE_MESSENGER_APP_ID not set: message echoes cannot be attributed to our app, so another app on the Page could mark a queued message sent",
				"channel", "messenger")
		}
	} else {
		log.Info("channel disabled: set SKYBRIDGE_MESSENGER_APP_SECRET and friends to enable it", "channel", "messenger")
	}
	return hooks, parsers, senders
}

// limited paces a sender to a rate shared by every conversation on this instance.
type limited struct {
	flows.Sender
	limit *rate.Limiter
}

func (l limited) Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	if err := l.limit.Wait(ctx); err != nil {
		return "", err
	}
	return l.Sender.Send(ctx, to, m, mode)
}
