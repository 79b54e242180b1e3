package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var static embed.FS

// App serves the embedded web map: the same single page at / (planners),
// /field (inspectors) and /konsultacje (residents), its static files, and
// the field app's service worker (/sw.js).
type App struct{}

// contentSecurityPolicy allows only ład's own origin; MapLibre needs blob:
// workers and images, and inline styles on its controls.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src blob:; " +
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// Routes mounts the pages and static files.
func (App) Routes(r fiber.Router) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // fixed at build time
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	page := func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", contentSecurityPolicy)
		c.Set("Cache-Control", "no-cache")
		c.Type("html", "utf-8")
		return c.Send(index)
	}
	r.Get("/", page)
	r.Get("/field", page)
	r.Get("/konsultacje", page)
	// The field app's service worker, served from the root so that it may
	// control /field (scope); never cached by HTTP, so updates arrive, and
	// stamped with the version of the files it keeps offline.
	sw, err := fs.ReadFile(sub, "sw.js")
	if err != nil {
		panic(err)
	}
	sw = bytes.Replace(sw, []byte(`const VERSION = "dev";`), []byte(`const VERSION = "`+staticVersion(sub)+`";`), 1)
	r.Get("/sw.js", func(c *fiber.Ctx) error {
		c.Set("Cache-Control", "no-cache")
		c.Set("Content-Security-Policy", contentSecurityPolicy)
		c.Type("js", "utf-8")
		return c.Send(sw)
	})
	r.Get("/favicon.ico", func(c *fiber.Ctx) error { return c.Redirect("/static/favicon.svg", fiber.StatusMovedPermanently) })
	r.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(sub), MaxAge: 3600}))
}

// staticVersion is a digest of every embedded static file: it changes with
// any of them.
func staticVersion(fsys fs.FS) string {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		panic(err) // fixed at build time
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
