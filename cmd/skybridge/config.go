package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/scheduler"
)

// Config is every setting of Skybridge, read from SKYBRIDGE_* environment variables.
// It is the only place that reads the environment.
type Config struct {
	Addr        string        // SKYBRIDGE_ADDR, default ":8080"
	DatabaseURL string        // SKYBRIDGE_DATABASE_URL, default "skybridge.db" (SQLite)
	DataKeys    []string      // SKYBRIDGE_DATA_KEYS "id:base64,id:base64", first is current
	KeyFile     string        // SKYBRIDGE_KEY_FILE, used when DATA_KEYS is unset
	Demo        bool          // SKYBRIDGE_DEMO, load the demo airline into an empty database
	Languages   []domain.Lang // SKYBRIDGE_LANGUAGES, default all twelve with catalogues
	Workers     int           // SKYBRIDGE_WORKERS, default 10; 0 serves HTTP only
	LogFormat   string        // SKYBRIDGE_LOG_FORMAT "text" or "json"
	LogLevel    string        // SKYBRIDGE_LOG_LEVEL "debug", "info", "warn", "error"
	ShutdownMax time.Duration // SKYBRIDGE_SHUTDOWN_TIMEOUT, default 20s
	// JobTimeout bounds one job (a turn, a delivery, a fan-out); a job of an
	// instance that died is taken over 15 s after it (SKYBRIDGE_JOB_TIMEOUT,
	// default 2m).
	JobTimeout time.Duration
	PublicURL  string // SKYBRIDGE_PUBLIC_URL, how travellers' phones reach boarding-pass links
	DebugAddr  string // SKYBRIDGE_DEBUG_ADDR, serves Go's pprof profiles when set (keep it on loopback)
	// MetricsToken, when set, is the bearer token GET /metrics requires
	// (SKYBRIDGE_METRICS_TOKEN); unset, the metrics are open.
	MetricsToken string
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed
	// (SKYBRIDGE_TRUSTED_PROXIES, comma-separated addresses or CIDRs; none by default).
	TrustedProxies []string

	WhatsApp     WhatsAppConfig
	Messenger    MessengerConfig
	GraphURL     string // SKYBRIDGE_GRAPH_URL, default https://graph.facebook.com
	GraphVersion string // SKYBRIDGE_GRAPH_VERSION, default v23.0

	Status StatusConfig

	Retention RetentionConfig

	Payments PaymentsConfig // payments.go

	PSS PSSConfig // pss.go: the booking system

	LLM LLMConfig // llm.go: the optional second opinion on unsure messages
}

// RetentionConfig says how long each class of personal data is kept; the
// periodic task `retention` deletes what is older, once per cluster. Each is a
// duration like 90d or 72h, or "off" to keep that class for ever.
type RetentionConfig struct {
	Transcripts   time.Duration // SKYBRIDGE_RETAIN_TRANSCRIPTS, default 90d: messages, idle conversations
	Documents     time.Duration // SKYBRIDGE_RETAIN_DOCUMENTS, default 72h after the flight's arrival: travel documents, boarding passes
	Deliveries    time.Duration // SKYBRIDGE_RETAIN_DELIVERIES, default 30d: flight-update notification records
	WebhookEvents time.Duration // SKYBRIDGE_RETAIN_WEBHOOK_EVENTS, default 7d: raw webhook bodies, once applied
	Analytics     time.Duration // SKYBRIDGE_RETAIN_ANALYTICS, default 730d: daily aggregates, no personal data
	Schedule      string        // SKYBRIDGE_RETAIN_SCHEDULE, cron spec of the task, default "@every 1h"
}

// StatusConfig says where flight status comes from and how often it is polled.
type StatusConfig struct {
	// Poll is the cron spec of status polling (SKYBRIDGE_STATUS_POLL, default
	// "@every 1m"; "off" turns polling off, pushes still work).
	Poll string
	// URL and APIKey reach an external flight-status provider
	// (SKYBRIDGE_STATUS_URL, SKYBRIDGE_STATUS_API_KEY). Without a URL the demo
	// airline's simulator is polled when SKYBRIDGE_DEMO is on.
	URL    string
	APIKey string
	// Horizon is how far ahead departures are polled (SKYBRIDGE_STATUS_HORIZON,
	// default 36h).
	Horizon time.Duration
}

// WhatsAppConfig enables the WhatsApp channel when the app secret is set.
type WhatsAppConfig struct {
	AppSecret     string  // SKYBRIDGE_WHATSAPP_APP_SECRET
	VerifyToken   string  // SKYBRIDGE_WHATSAPP_VERIFY_TOKEN
	AccessToken   string  // SKYBRIDGE_WHATSAPP_ACCESS_TOKEN
	PhoneNumberID string  // SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID
	Rate          float64 // SKYBRIDGE_WHATSAPP_RATE, messages per second per number, default 80
	// Tier is the messaging limit: unique travellers reached outside the service
	// window per moving 24 h (SKYBRIDGE_WHATSAPP_TIER, default 1000, 0 = no limit).
	Tier int
}

// Enabled reports whether the channel is configured.
func (w WhatsAppConfig) Enabled() bool { return w.AppSecret != "" }

// MessengerConfig enables the Messenger channel when the app secret is set.
type MessengerConfig struct {
	AppSecret   string // SKYBRIDGE_MESSENGER_APP_SECRET
	VerifyToken string // SKYBRIDGE_MESSENGER_VERIFY_TOKEN
	PageID      string // SKYBRIDGE_MESSENGER_PAGE_ID
	PageToken   string // SKYBRIDGE_MESSENGER_PAGE_TOKEN
	// AppID is our Meta app id (SKYBRIDGE_MESSENGER_APP_ID): only message echoes
	// carrying it confirm our sends. Empty: echoes cannot be attributed to us.
	AppID string
}

// Enabled reports whether the channel is configured.
func (m MessengerConfig) Enabled() bool { return m.AppSecret != "" }

// LoadConfig reads the environment through getenv and validates it, returning every
// problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:        or(getenv("SKYBRIDGE_ADDR"), ":8080"),
		DatabaseURL: or(getenv("SKYBRIDGE_DATABASE_URL"), "skybridge.db"),
		KeyFile:     getenv("SKYBRIDGE_KEY_FILE"),
		LogFormat:   or(getenv("SKYBRIDGE_LOG_FORMAT"), "text"),
		LogLevel:    or(getenv("SKYBRIDGE_LOG_LEVEL"), "info"),
	}
	var problems []string
	c.DebugAddr = getenv("SKYBRIDGE_DEBUG_ADDR")
	c.MetricsToken = strings.TrimSpace(getenv("SKYBRIDGE_METRICS_TOKEN"))
	if t := c.MetricsToken; t != "" && (len(t) < 16 || strings.ContainsAny(t, " \t")) {
		problems = append(problems, "SKYBRIDGE_METRICS_TOKEN: use at least 16 characters without spaces (e.g. `openssl rand -hex 24`)")
	}
	for _, p := range strings.Split(getenv("SKYBRIDGE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			problems = append(problems, fmt.Sprintf("SKYBRIDGE_TRUSTED_PROXIES: %q is not an IP address or CIDR", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	c.PublicURL = strings.TrimRight(or(getenv("SKYBRIDGE_PUBLIC_URL"), "http://localhost"+portOf(c.Addr)), "/")
	c.GraphURL = strings.TrimRight(or(getenv("SKYBRIDGE_GRAPH_URL"), "https://graph.facebook.com"), "/")
	c.GraphVersion = or(getenv("SKYBRIDGE_GRAPH_VERSION"), "v23.0")
	c.WhatsApp = WhatsAppConfig{
		AppSecret: getenv("SKYBRIDGE_WHATSAPP_APP_SECRET"), VerifyToken: getenv("SKYBRIDGE_WHATSAPP_VERIFY_TOKEN"),
		AccessToken: getenv("SKYBRIDGE_WHATSAPP_ACCESS_TOKEN"), PhoneNumberID: getenv("SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID"),
	}
	c.Messenger = MessengerConfig{
		AppSecret: getenv("SKYBRIDGE_MESSENGER_APP_SECRET"), VerifyToken: getenv("SKYBRIDGE_MESSENGER_VERIFY_TOKEN"),
		PageID: getenv("SKYBRIDGE_MESSENGER_PAGE_ID"), PageToken: getenv("SKYBRIDGE_MESSENGER_PAGE_TOKEN"),
		AppID: strings.TrimSpace(getenv("SKYBRIDGE_MESSENGER_APP_ID")),
	}
	if id := c.Messenger.AppID; id != "" && strings.Trim(id, "0123456789") != "" {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_MESSENGER_APP_ID: %q is not a Meta app id (digits only)", id))
	}
	rate := or(getenv("SKYBRIDGE_WHATSAPP_RATE"), "80")
	if r, err := strconv.ParseFloat(rate, 64); err != nil || r <= 0 || r > 1000 {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_WHATSAPP_RATE: %q is not a rate from 0 to 1000 messages per second", rate))
	} else {
		c.WhatsApp.Rate = r
	}
	tier := or(getenv("SKYBRIDGE_WHATSAPP_TIER"), "1000")
	if n, err := strconv.Atoi(tier); err != nil || n < 0 {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_WHATSAPP_TIER: %q is not a number of travellers (0 = no limit)", tier))
	} else {
		c.WhatsApp.Tier = n
	}
	c.Status = StatusConfig{
		Poll:   or(getenv("SKYBRIDGE_STATUS_POLL"), "@every 1m"),
		URL:    strings.TrimRight(getenv("SKYBRIDGE_STATUS_URL"), "/"),
		APIKey: getenv("SKYBRIDGE_STATUS_API_KEY"),
	}
	if c.Status.Poll != "off" {
		if _, err := scheduler.Next(c.Status.Poll, time.Now()); err != nil {
			problems = append(problems, fmt.Sprintf("SKYBRIDGE_STATUS_POLL: %q is not a cron spec (e.g. \"@every 1m\", \"*/2 * * * *\") or off: %v", c.Status.Poll, err))
		}
	}
	if c.Status.URL != "" && !strings.HasPrefix(c.Status.URL, "http://") && !strings.HasPrefix(c.Status.URL, "https://") {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_STATUS_URL: %q is not an http(s) URL", c.Status.URL))
	}
	if c.Status.URL != "" && c.Status.APIKey == "" {
		problems = append(problems, "SKYBRIDGE_STATUS_API_KEY: required with SKYBRIDGE_STATUS_URL")
	}
	hz := or(getenv("SKYBRIDGE_STATUS_HORIZON"), "36h")
	if d, err := time.ParseDuration(hz); err != nil || d < time.Hour || d > 7*24*time.Hour {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_STATUS_HORIZON: %q is not a duration from 1h to 168h", hz))
	} else {
		c.Status.Horizon = d
	}
	c.Retention.Schedule = or(getenv("SKYBRIDGE_RETAIN_SCHEDULE"), "@every 1h")
	if _, err := scheduler.Next(c.Retention.Schedule, time.Now()); err != nil {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_RETAIN_SCHEDULE: %q is not a cron spec: %v", c.Retention.Schedule, err))
	}
	for _, r := range []struct {
		name, def string
		dst       *time.Duration
	}{
		{"SKYBRIDGE_RETAIN_TRANSCRIPTS", "90d", &c.Retention.Transcripts},
		{"SKYBRIDGE_RETAIN_DOCUMENTS", "72h", &c.Retention.Documents},
		{"SKYBRIDGE_RETAIN_DELIVERIES", "30d", &c.Retention.Deliveries},
		{"SKYBRIDGE_RETAIN_WEBHOOK_EVENTS", "7d", &c.Retention.WebhookEvents},
		{"SKYBRIDGE_RETAIN_ANALYTICS", "730d", &c.Retention.Analytics},
	} {
		v := or(getenv(r.name), r.def)
		d, err := parseRetention(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a duration like 90d or 72h (at least 1h), or off", r.name, v))
		}
		*r.dst = d
	}
	if c.WhatsApp.Enabled() && (c.WhatsApp.VerifyToken == "" || c.WhatsApp.AccessToken == "" || c.WhatsApp.PhoneNumberID == "") {
		problems = append(problems, "SKYBRIDGE_WHATSAPP_*: with an app secret set, VERIFY_TOKEN, ACCESS_TOKEN and PHONE_NUMBER_ID are required too")
	}
	if c.Messenger.Enabled() && (c.Messenger.VerifyToken == "" || c.Messenger.PageID == "" || c.Messenger.PageToken == "") {
		problems = append(problems, "SKYBRIDGE_MESSENGER_*: with an app secret set, VERIFY_TOKEN, PAGE_ID and PAGE_TOKEN are required too")
	}
	if !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_PUBLIC_URL: %q is not an http(s) URL", c.PublicURL))
	}
	if v := getenv("SKYBRIDGE_DATA_KEYS"); v != "" {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.DataKeys = append(c.DataKeys, k)
			}
		}
		if _, err := domain.NewSealer(c.DataKeys...); err != nil {
			problems = append(problems, "SKYBRIDGE_DATA_KEYS: "+err.Error())
		}
	}
	if c.KeyFile == "" && !isPostgres(c.DatabaseURL) {
		c.KeyFile = filepath.Join(filepath.Dir(sqlitePath(c.DatabaseURL)), "skybridge.key")
	}
	if len(c.DataKeys) == 0 && isPostgres(c.DatabaseURL) && c.KeyFile == "" {
		problems = append(problems, "SKYBRIDGE_DATA_KEYS: required with PostgreSQL (generate one with `skybridge keygen`)")
	}
	demo := or(getenv("SKYBRIDGE_DEMO"), "true")
	b, err := strconv.ParseBool(demo)
	if err != nil {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_DEMO: %q is not true or false", demo))
	}
	c.Demo = b
	langs := or(getenv("SKYBRIDGE_LANGUAGES"), "en,fr,nl,de,es,pt,it,pl,tr,ar,zh,hi")
	for _, l := range strings.Split(langs, ",") {
		l := domain.Lang(strings.TrimSpace(strings.ToLower(l)))
		if !l.Supported() {
			problems = append(problems, fmt.Sprintf("SKYBRIDGE_LANGUAGES: %q has no catalogue (supported: %v)", l, domain.Languages))
			continue
		}
		c.Languages = append(c.Languages, l)
	}
	w := or(getenv("SKYBRIDGE_WORKERS"), "10")
	if c.Workers, err = strconv.Atoi(w); err != nil || c.Workers < 0 || c.Workers > 1000 {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_WORKERS: %q is not a number from 0 to 1000", w))
	}
	sd := or(getenv("SKYBRIDGE_SHUTDOWN_TIMEOUT"), "20s")
	if c.ShutdownMax, err = time.ParseDuration(sd); err != nil || c.ShutdownMax <= 0 {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_SHUTDOWN_TIMEOUT: %q is not a positive duration like 20s", sd))
	}
	jt := or(getenv("SKYBRIDGE_JOB_TIMEOUT"), "2m")
	if c.JobTimeout, err = time.ParseDuration(jt); err != nil || c.JobTimeout < 5*time.Second || c.JobTimeout > time.Hour {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_JOB_TIMEOUT: %q is not a duration from 5s to 1h", jt))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel))
	}
	var payProblems []string
	c.Payments, payProblems = loadPayments(getenv)
	problems = append(problems, payProblems...)
	var pssProblems []string
	c.PSS, pssProblems = loadPSS(getenv)
	problems = append(problems, pssProblems...)
	var llmProblems []string
	c.LLM, llmProblems = loadLLM(getenv)
	problems = append(problems, llmProblems...)
	// The demo payment page settles without taking money: it may only sell what
	// the demo booking system issues, never a real airline's extras or tickets.
	if c.PSS.Kind == "rest" && c.Payments.Provider == "demo" {
		if getenv("SKYBRIDGE_PAYMENTS") == "" {
			c.Payments.Provider = "off"
		} else {
			problems = append(problems, "SKYBRIDGE_PAYMENTS: demo takes no money and cannot be used with SKYBRIDGE_PSS=rest; use stripe or off")
		}
	}
	if len(problems) > 0 {
		return c, errors.New("configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// parseRetention reads "90d", "72h", "1h30m" or "off" (0: kept for ever).
func parseRetention(v string) (time.Duration, error) {
	if v == "off" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3650 {
			return 0, errors.New("bad number of days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour {
		return 0, errors.New("bad duration")
	}
	return d, nil
}

// retentionString prints a retention the way parseRetention reads it.
func retentionString(d time.Duration) string {
	switch {
	case d == 0:
		return "off"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// String prints the configuration with secrets masked.
func (c Config) String() string {
	keys := make([]string, len(c.DataKeys))
	for i, k := range c.DataKeys {
		id, _, _ := strings.Cut(k, ":")
		keys[i] = id + ":*****"
	}
	langs := make([]string, len(c.Languages))
	for i, l := range c.Languages {
		langs[i] = string(l)
	}
	return strings.Join([]string{
		"SKYBRIDGE_ADDR=" + c.Addr,
		"SKYBRIDGE_DATABASE_URL=" + database.Redact(c.DatabaseURL),
		"SKYBRIDGE_DATA_KEYS=" + strings.Join(keys, ","),
		"SKYBRIDGE_KEY_FILE=" + c.KeyFile,
		"SKYBRIDGE_DEMO=" + strconv.FormatBool(c.Demo),
		"SKYBRIDGE_LANGUAGES=" + strings.Join(langs, ","),
		"SKYBRIDGE_WORKERS=" + strconv.Itoa(c.Workers),
		"SKYBRIDGE_LOG_FORMAT=" + c.LogFormat,
		"SKYBRIDGE_LOG_LEVEL=" + c.LogLevel,
		"SKYBRIDGE_SHUTDOWN_TIMEOUT=" + c.ShutdownMax.String(),
		"SKYBRIDGE_JOB_TIMEOUT=" + c.JobTimeout.String(),
		"SKYBRIDGE_PUBLIC_URL=" + c.PublicURL,
		"SKYBRIDGE_DEBUG_ADDR=" + c.DebugAddr,
		"SKYBRIDGE_METRICS_TOKEN=" + mask(c.MetricsToken),
		"SKYBRIDGE_TRUSTED_PROXIES=" + strings.Join(c.TrustedProxies, ","),
		"SKYBRIDGE_GRAPH_URL=" + c.GraphURL,
		"SKYBRIDGE_GRAPH_VERSION=" + c.GraphVersion,
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + mask(c.WhatsApp.AppSecret),
		"SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=" + mask(c.WhatsApp.VerifyToken),
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=" + mask(c.WhatsApp.AccessToken),
		"SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + c.WhatsApp.PhoneNumberID,
		"SKYBRIDGE_WHATSAPP_RATE=" + strconv.FormatFloat(c.WhatsApp.Rate, 'g', -1, 64),
		"SKYBRIDGE_WHATSAPP_TIER=" + strconv.Itoa(c.WhatsApp.Tier),
		"SKYBRIDGE_MESSENGER_APP_SECRET=" + mask(c.Messenger.AppSecret),
		"SKYBRIDGE_MESSENGER_VERIFY_TOKEN=" + mask(c.Messenger.VerifyToken),
		"SKYBRIDGE_MESSENGER_PAGE_ID=" + c.Messenger.PageID,
		"SKYBRIDGE_MESSENGER_PAGE_TOKEN=" + mask(c.Messenger.PageToken),
		"SKYBRIDGE_MESSENGER_APP_ID=" + c.Messenger.AppID,
		"SKYBRIDGE_STATUS_POLL=" + c.Status.Poll,
		"SKYBRIDGE_STATUS_URL=" + c.Status.URL,
		"SKYBRIDGE_STATUS_API_KEY=" + mask(c.Status.APIKey),
		"SKYBRIDGE_STATUS_HORIZON=" + c.Status.Horizon.String(),
		"SKYBRIDGE_PAYMENTS=" + c.Payments.Provider,
		"SKYBRIDGE_STRIPE_SECRET_KEY=" + mask(c.Payments.StripeSecretKey),
		"SKYBRIDGE_STRIPE_WEBHOOK_SECRET=" + mask(c.Payments.StripeWebhookSecret),
		"SKYBRIDGE_STRIPE_URL=" + c.Payments.StripeURL,
		"SKYBRIDGE_PSS=" + c.PSS.Kind,
		"SKYBRIDGE_PSS_URL=" + c.PSS.URL,
		"SKYBRIDGE_PSS_API_KEY=" + mask(c.PSS.APIKey),
		"SKYBRIDGE_PSS_TIMEOUT=" + c.PSS.Timeout.String(),
		"SKYBRIDGE_OFFER_TTL=" + c.PSS.OfferTTL.String(),
		"SKYBRIDGE_CHANGE_OFFER_TTL=" + c.PSS.ChangeOfferTTL.String(),
		"SKYBRIDGE_LLM_URL=" + redactedURL(c.LLM.URL),
		"SKYBRIDGE_LLM_MODEL=" + c.LLM.Model,
		"SKYBRIDGE_LLM_KEY=" + mask(c.LLM.Key),
		"SKYBRIDGE_LLM_TIMEOUT=" + c.LLM.Timeout.String(),
		"SKYBRIDGE_RETAIN_TRANSCRIPTS=" + retentionString(c.Retention.Transcripts),
		"SKYBRIDGE_RETAIN_DOCUMENTS=" + retentionString(c.Retention.Documents),
		"SKYBRIDGE_RETAIN_DELIVERIES=" + retentionString(c.Retention.Deliveries),
		"SKYBRIDGE_RETAIN_WEBHOOK_EVENTS=" + retentionString(c.Retention.WebhookEvents),
		"SKYBRIDGE_RETAIN_ANALYTICS=" + retentionString(c.Retention.Analytics),
		"SKYBRIDGE_RETAIN_SCHEDULE=" + c.Retention.Schedule,
	}, "\n")
}

// sealer returns the sealer for personal data: the configured keys, or a key kept in
// a file beside the SQLite database (created on first start) for the embedded
// default.
func (c Config) sealer() (*domain.Sealer, error) {
	if len(c.DataKeys) > 0 {
		return domain.NewSealer(c.DataKeys...)
	}
	b, err := os.ReadFile(c.KeyFile)
	if errors.Is(err, os.ErrNotExist) {
		// A new key only for a new database: with the key lost, everything sealed
		// in an existing database is unreadable, and starting anyway would leave
		// travellers unanswered.
		if db := sqlitePath(c.DatabaseURL); db != "" {
			if _, err := os.Stat(db); err == nil {
				return nil, fmt.Errorf("key file %s is missing but database %s exists: restore the key file or set SKYBRIDGE_DATA_KEYS", c.KeyFile, db)
			}
		}
		key := domain.NewKey("local1")
		if err := os.WriteFile(c.KeyFile, []byte(key+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
		return domain.NewSealer(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	var keys []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keys = append(keys, l)
		}
	}
	return domain.NewSealer(keys...)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "*****"
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i:]
	}
	return ""
}

// sqlitePath returns the file of an SQLite database URL, "" for PostgreSQL.
func sqlitePath(u string) string {
	if isPostgres(u) {
		return ""
	}
	return strings.TrimPrefix(strings.TrimPrefix(strings.SplitN(u, "?", 2)[0], "sqlite://"), "file:")
}
