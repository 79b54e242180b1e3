package sql

import (
	"embed"
	"io/fs"
)

//go:embed audit/*.sql
var auditSQL embed.FS

// Audit holds the statements that read the audit log (the log itself, its
// trigger and its immutability are schema: migrations/012_audit.sql).
func Audit() fs.FS {
	sub, err := fs.Sub(auditSQL, "audit")
	if err != nil {
		panic(err)
	}
	return sub
}
