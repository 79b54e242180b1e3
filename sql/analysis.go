package sql

import (
	"embed"
	"io/fs"
)

//go:embed analysis/*.sql
var analysisSQL embed.FS

// Analysis holds the statements of the analyses (package analysis).
func Analysis() fs.FS {
	sub, err := fs.Sub(analysisSQL, "analysis")
	if err != nil {
		panic(err)
	}
	return sub
}
