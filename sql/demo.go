package sql

import (
	"embed"
	"io/fs"
)

//go:embed demo/*.sql
var demo embed.FS

// Demo holds the statements the demo city uses for records that have no
// ingest format (consultations and their comments, fee rates).
func Demo() fs.FS {
	sub, err := fs.Sub(demo, "demo")
	if err != nil {
		panic(err)
	}
	return sub
}
