package sql

import (
	"embed"
	"io/fs"
)

//go:embed queries/*.sql
var queries embed.FS

// Queries holds the statements of the spatial queries (what applies here).
func Queries() fs.FS {
	sub, err := fs.Sub(queries, "queries")
	if err != nil {
		panic(err)
	}
	return sub
}
