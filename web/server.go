// Package web is ład's HTTP face: the Fiber application with health,
// readiness and metrics, the mounting point of every feature's routes
// (tiles, OGC API, analyses, field and consultation APIs) and the embedded
// web map. It is the last step of the flow
// ingest → PostGIS → layers → tiles/queries/analyses → web.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/audit"
	"github.com/ladgis/lad/db"
)

// Config of the HTTP server.
type Config struct {
	Addr           string
	RequestTimeout time.Duration // whole-request budget for handlers (0: 30 s)
	BodyLimit      int           // bytes (0: 32 MiB, enough for photo uploads)
	// Policy decides every request by its route (nil: access.Routes()).
	Policy *access.Policy
}

// Identifier is a module that tells who is calling: its Identify runs
// before the route policy and every route, and puts the caller's
// access.Subject under SubjectKey.
type Identifier interface {
	Identify(c *fiber.Ctx) error
}

// Module is a feature that mounts its routes on the application.
type Module interface {
	Routes(r fiber.Router)
}

// ReadyFunc reports nil when the server can serve (database up, schema at head).
type ReadyFunc func(ctx context.Context) error

// Server is ład's HTTP server.
type Server struct {
	app      *fiber.App
	cfg      Config
	log      *slog.Logger
	ready    ReadyFunc
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
}

// SubjectKey is the fiber.Ctx Locals key holding the caller's access.Subject.
const SubjectKey = "lad.subject"

// Subject returns the caller of a request (anonymous when nobody signed in).
func Subject(c *fiber.Ctx) access.Subject {
	if s, ok := c.Locals(SubjectKey).(access.Subject); ok {
		return s
	}
	return access.AnonymousSubject
}

// ActorKey is the fiber.Ctx Locals key where the sign-in middleware puts the
// caller's audit actor when it is not user:<login> (an API token's).
const ActorKey = "lad.actor"

// Actor is who the audit log names for the request's writes: the signed-in
// user, the API token, or an anonymous resident known by the request id.
func Actor(c *fiber.Ctx) string {
	if a, ok := c.Locals(ActorKey).(string); ok && a != "" {
		return a
	}
	if s := Subject(c); s.Staff() && s.Login != "" {
		return audit.User(s.Login)
	}
	rid, _ := c.Locals("requestid").(string)
	return audit.Anonymous(rid)
}

// AuditContext is the request's context carrying its audit actor: write
// paths pass it to audit.Begin or to packages that open transactions.
func AuditContext(c *fiber.Ctx) context.Context {
	return audit.NewContext(c.UserContext(), Actor(c))
}

// New builds the server and mounts modules in order.
func New(cfg Config, log *slog.Logger, ready ReadyFunc, modules ...Module) *Server {
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 32 << 20
	}
	s := &Server{cfg: cfg, log: log, ready: ready, registry: prometheus.NewRegistry()}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lad_http_request_duration_seconds",
		Help:    "HTTP requests by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "status"})
	s.registry.MustRegister(s.requests)

	s.app = fiber.New(fiber.Config{
		AppName:               "lad",
		DisableStartupMessage: true,
		ReadTimeout:           cfg.RequestTimeout,
		WriteTimeout:          cfg.RequestTimeout,
		IdleTimeout:           90 * time.Second,
		BodyLimit:             cfg.BodyLimit,
		ErrorHandler:          s.errorHandler,
	})
	s.app.Use(recover.New())
	s.app.Use(requestid.New())
	s.app.Use(s.observe)
	s.app.Use(func(c *fiber.Ctx) error {
		// Bound every handler's database work by the request budget, and
		// say where its replica-routed reads ran (X-Read-From: replica,
		// primary; absent when it made none).
		ctx, cancel := context.WithTimeout(c.UserContext(), cfg.RequestTimeout)
		defer cancel()
		ctx, reads := db.TrackReads(ctx)
		c.SetUserContext(ctx)
		err := c.Next()
		if from := reads.String(); from != "" {
			c.Set("X-Read-From", from)
		}
		return err
	})
	s.app.Use(func(c *fiber.Ctx) error {
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("X-Frame-Options", "DENY")
		c.Set("Referrer-Policy", "same-origin")
		return c.Next()
	})
	for _, m := range modules {
		if a, ok := m.(Identifier); ok {
			s.app.Use(a.Identify)
		}
	}
	policy := cfg.Policy
	if policy == nil {
		var err error
		if policy, err = access.NewPolicy(access.Routes()); err != nil {
			panic(err) // the built-in table is checked by tests
		}
	}
	s.app.Use(enforce(policy))
	s.app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	for _, m := range modules {
		m.Routes(s.app)
	}
	return s
}

// App exposes the Fiber application (tests call App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Registry is the Prometheus registry modules may add their metrics to.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		c.Set("Retry-After", "5")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "reason": err.Error()})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		switch {
		case errors.As(err, &fe):
			status = fe.Code
		case Unavailable(err):
			status = fiber.StatusServiceUnavailable
		default:
			status = 500
		}
	}
	route := c.Route().Path
	s.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", status, "err", err, "request_id", c.Locals("requestid"))
	}
	return err
}

// errorHandler answers every error as JSON with a message for people and the
// request id that finds the cause in the logs; no stack traces leave.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	msg := "internal error"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
		msg = fe.Message
	} else if Unavailable(err) {
		code = fiber.StatusServiceUnavailable
		msg = "the database is unavailable for a moment: try again shortly"
	}
	if code >= 500 && code != fiber.StatusServiceUnavailable {
		msg = "internal error"
	}
	if code == fiber.StatusServiceUnavailable {
		c.Set("Retry-After", "5")
	}
	rid, _ := c.Locals("requestid").(string)
	return c.Status(code).JSON(fiber.Map{"error": msg, "request_id": rid})
}

// Serve listens on the configured address until ctx ends, then shuts down
// gracefully (in-flight requests get up to 10 s).
func (s *Server) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Requests in flight get 10 s to finish. Connections still open after
	// that (clients keeping idle keep-alive connections) end with the
	// process: the server stopped as asked, so this is no failure.
	if err := s.app.ShutdownWithTimeout(10 * time.Second); err != nil {
		s.log.Warn("connections still open at shutdown were closed", "err", err)
	}
	return nil
}

// As identifies every request as one subject: a stand-in for sign-in in
// tests and in tools that act for one known caller.
type As struct{ Subject access.Subject }

// Identify puts the fixed subject on the request (Identifier).
func (a As) Identify(c *fiber.Ctx) error {
	if a.Subject.Role != "" && a.Subject.Role != access.Anonymous {
		c.Locals(SubjectKey, a.Subject)
	}
	return c.Next()
}

// Routes mounts nothing.
func (As) Routes(fiber.Router) {}

// enforce decides every request by the route policy before any handler:
// a path without a rule does not exist (404), a caller below the rule's
// audience is refused (401/403), and so is staff acting on a municipality
// it does not work for.
func enforce(p *access.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rule, ok := p.Match(c.Method(), c.Path())
		if !ok {
			return fiber.NewError(fiber.StatusNotFound, "no such resource")
		}
		var terc string
		if rule.Scope != "" {
			terc = c.Query(rule.Scope)
			if terc == "" && c.Method() == fiber.MethodPost {
				terc = c.FormValue(rule.Scope)
			}
		}
		if code, msg := Subject(c).Allow(rule, terc); code != 0 {
			return refuse(c, code, msg)
		}
		return c.Next()
	}
}

// Require answers 401 to anonymous callers and 403 to staff below the
// audience, before the handler runs: for checks finer than the route
// policy (which already decides every route), with the same decision
// (access.Subject.Allow).
func Require(a access.Audience, h fiber.Handler) fiber.Handler {
	return allowed(access.Rule{Audience: a}, h)
}

// RequireWrite answers 401 to anonymous callers and 403 to staff whose role
// may not make writes of kind w, before the handler runs.
func RequireWrite(w access.Write, h fiber.Handler) fiber.Handler {
	return allowed(access.Rule{Audience: access.Public, Write: w}, h)
}

// allowed runs h when the caller passes rule.
func allowed(rule access.Rule, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if code, msg := Subject(c).Allow(rule, ""); code != 0 {
			return refuse(c, code, msg)
		}
		return h(c)
	}
}

// refuse answers a refused call: 401 asks for credentials.
func refuse(c *fiber.Ctx, code int, msg string) error {
	if code == fiber.StatusUnauthorized {
		c.Set("WWW-Authenticate", `Bearer realm="lad"`)
	}
	return fiber.NewError(code, msg)
}
