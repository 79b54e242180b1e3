package sql

import (
	"embed"
	"io/fs"
)

//go:embed ingest/*.sql
var ingest embed.FS

// Ingest holds the staging, validation and merge statements of package
// ingest (files of named statements, see Named).
func Ingest() fs.FS {
	sub, err := fs.Sub(ingest, "ingest")
	if err != nil {
		panic(err)
	}
	return sub
}
