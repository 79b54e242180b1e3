package sql

import (
	"embed"
	"io/fs"
)

//go:embed web/*.sql
var webSQL embed.FS

// Web holds the statements of the web map's own endpoints (search, carriers
// near a place, consultations and comments).
func Web() fs.FS {
	sub, err := fs.Sub(webSQL, "web")
	if err != nil {
		panic(err)
	}
	return sub
}
