// Package sql holds ład's SQL as versioned files embedded in the binary: the
// schema migrations (applied in order by the db package, see migrations/) and
// the statements and functions that tile, query and analysis code runs with
// bound parameters (queries/). SQL sits next to the data in the flow
// ingest → PostGIS → layers → tiles/queries/analyses → web.
package sql

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the ordered set of schema migrations (NNN_name.sql, tern
// format: statements above an optional "---- create above / drop below ----").
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
