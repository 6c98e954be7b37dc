package api

import (
	"context"
	"crypto/rand"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/api/web"
	"github.com/skybridge/skybridge/domain"
)

// Store is what the HTTP edge needs from persistence.
type Store interface {
	Accept(ctx context.Context, in domain.Inbound, userID string) (conversationID int64, duplicate bool, err error)
	ConversationByUser(ctx context.Context, ch domain.Channel, userID string) (domain.Conversation, bool, error)
	OutboundAfter(ctx context.Context, conversationID int64, afterSeq int, limit int) ([]domain.Outbound, error)
	MarkDelivered(ctx context.Context, conversationID int64, uptoSeq int) error
	Subscribe(conversationID int64) (<-chan struct{}, func())
	Pass(ctx context.Context, token string) (domain.BoardingPass, error)
}

// Renderer draws boarding passes.
type Renderer interface {
	Barcode(p domain.BoardingPass) ([]byte, error)
	PDF(p domain.BoardingPass) ([]byte, error)
}

// WebhookStore stores what verified webhooks bring, durably.
type WebhookStore interface {
	// AcceptEvent stores one inbound message (deduplicated on its id) with the job
	// that answers it.
	AcceptEvent(ctx context.Context, ev domain.ChannelEvent) (conversationID int64, duplicate bool, err error)
	// AcceptWebhook stores a whole body, applied later by a job.
	AcceptWebhook(ctx context.Context, ch domain.Channel, body []byte) error
}

// Readiness reports whether the service can take traffic; nil means ready.
type Readiness func(ctx context.Context) error

// Config wires the server.
type Config struct {
	Store    Store
	Renderer Renderer
	// Webhooks stores channel webhooks; Channels configures them per channel.
	Webhooks WebhookStore
	Channels map[domain.Channel]Channel
	Log      *slog.Logger
	Ready    Readiness
	Now      func() time.Time
	// SessionKeys sign web chat session tokens; the first signs new ones. Every
	// instance must share them. Empty: a random key (one instance, sessions end
	// with the process).
	SessionKeys [][]byte
	// SessionsPerHour bounds the web chat sessions one client address may open.
	SessionsPerHour int
	// PollInterval bounds how long a web chat stream waits before looking at the
	// database again (wake-ups from this instance come at once; this covers others).
	PollInterval time.Duration
	// Tokens authenticates the bearer tokens of machine clients.
	Tokens Tokens
	// FlightStatus ingests statuses pushed to POST /api/v1/flight-status by
	// tokens of role ops or admin. Nil (or no Tokens): the route answers 404.
	FlightStatus FlightStatus
	// Privacy answers subject access and erasure requests at
	// POST /api/v1/privacy/export and /erase, for admin tokens. Nil (or no
	// Tokens): the routes answer 404.
	Privacy Privacy
	// Closing, when closed, ends open web chat streams so that a shutdown does
	// not wait for them (the browser reconnects, to another instance).
	Closing <-chan struct{}
	// TrustedProxies are the addresses or CIDRs of the load balancers whose
	// X-Forwarded-For is believed; none by default, so that a client cannot pick
	// the address its per-address limits are counted against.
	TrustedProxies []string
	// Metrics times the acknowledgement of webhooks and web chat messages; nil
	// records nothing.
	Metrics Metrics
	// MetricsHandler serves GET /metrics (its own authentication included); nil
	// leaves the route out.
	MetricsHandler http.Handler
	// Console stores what the staff console needs; nil: no console is served.
	Console ConsoleStore
	// Languages are the enabled languages: every text must exist in each before
	// content is published. Default: the first six of domain.Languages.
	Languages []domain.Lang
	// ConsoleIdle ends a console session unused for this long (default 30 min);
	// ConsoleMaxAge ends any session (default 12 h).
	ConsoleIdle   time.Duration
	ConsoleMaxAge time.Duration
	// PaymentWebhooks verify the payment providers' webhooks, served at
	// POST /webhooks/payments/<name>; PaymentSink stores the verified events.
	// Without a sink no payment webhook is served.
	PaymentWebhooks map[string]PaymentVerifier
	PaymentSink     PaymentSink
	// PaymentPages serves a built-in provider's hosted payment pages under
	// /pay/; nil leaves the route out.
	PaymentPages http.Handler
}

// Server is the HTTP edge.
type Server struct {
	store        Store
	renderer     Renderer
	log          *slog.Logger
	ready        Readiness
	now          func() time.Time
	poll         time.Duration
	limiter      *limiter
	sessions     *limiter
	sessionKeys  [][]byte
	webhooks     WebhookStore
	channels     map[domain.Channel]Channel
	tokens       Tokens
	closing      <-chan struct{}
	flightStatus FlightStatus
	metrics      Metrics
	privacy      Privacy

	console       ConsoleStore
	langs         []domain.Lang
	consoleIdle   time.Duration
	consoleMaxAge time.Duration
	signIns       *limiter
}

// New builds the gin handler.
func New(c Config) http.Handler {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 2 * time.Second
	}
	if len(c.SessionKeys) == 0 {
		k := make([]byte, 32)
		rand.Read(k)
		c.SessionKeys = [][]byte{k}
	}
	if c.SessionsPerHour <= 0 {
		c.SessionsPerHour = 60
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	s := &Server{store: c.Store, renderer: c.Renderer, log: c.Log, ready: c.Ready, now: c.Now,
		poll: c.PollInterval, limiter: newLimiter(30, time.Minute, c.Now),
		webhooks: c.Webhooks, channels: c.Channels, sessionKeys: c.SessionKeys,
		sessions: newLimiter(c.SessionsPerHour, time.Hour, c.Now),
		tokens:   c.Tokens, flightStatus: c.FlightStatus, closing: c.Closing, metrics: c.Metrics}
	s.initConsole(c)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(c.TrustedProxies); err != nil {
		c.Log.Error("trusted proxies ignored", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.requestID(), s.recover(), securityHeaders())
	r.MaxMultipartMemory = 1 << 20

	static, _ := fs.Sub(web.FS, "static")
	r.StaticFS("/static", http.FS(static))
	r.GET("/", s.page)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	if c.MetricsHandler != nil {
		r.GET("/metrics", gin.WrapH(c.MetricsHandler))
	}

	chat := r.Group("/chat/api")
	chat.POST("/session", s.newSession)
	chat.POST("/messages", s.acknowledged(domain.WebChat), s.postMessage)
	chat.GET("/messages", s.getMessages)
	chat.GET("/stream", s.stream)

	r.GET("/passes/:file", s.pass)
	r.GET("/webhooks/:channel", s.verifyWebhook)
	r.POST("/webhooks/:channel", s.acknowledged(""), s.receiveWebhook)

	if c.FlightStatus != nil && c.Tokens == nil {
		s.log.Warn("flight status push disabled: no token store to authenticate it")
	}
	if c.FlightStatus != nil && c.Tokens != nil {
		v1 := r.Group("/api/v1")
		v1.POST("/flight-status", s.requireRole(domain.RoleOps, domain.RoleAdmin), s.pushFlightStatus)
	}
	if c.Console != nil {
		s.mountConsole(r)
	}
	s.routePayments(r, c)
	s.routePrivacy(r, c)
	r.NoRoute(func(c *gin.Context) { c.JSON(http.StatusNotFound, gin.H{"error": "not found"}) })
	r.NoMethod(func(c *gin.Context) { c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method not allowed"}) })
	r.HandleMethodNotAllowed = true
	return r
}

func (s *Server) page(c *gin.Context) {
	b, err := fs.ReadFile(web.FS, "index.html")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", b)
}

func (s *Server) readyz(c *gin.Context) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// recover turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recover() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request.Context(), "handler panicked", "path", c.FullPath(), "err", r)
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
			}
		}()
		c.Next()
	}
}

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		c.Next()
	}
}
