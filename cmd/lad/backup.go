package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// pgTool finds a PostgreSQL client program: next to the private cluster's
// server, else on PATH.
func pgTool(e *env, name string) (string, error) {
	if e.db.Cluster != nil {
		p := filepath.Join(e.db.Cluster.BinDir(), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found: apt-get install postgresql-client", name)
	}
	return p, nil
}

func backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write a consistent backup of the database to a file (pg_dump custom format)",
		ArgsUsage: "FILE",
		Description: `Dumps the whole database (schema, data, audit log) with pg_dump in its custom
format, consistent at one moment even while ład serves. Restore with 'lad restore'.
For a production server, use PostgreSQL's own point-in-time recovery (docs/scaling.md).`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("backup: give the output file")
			}
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			tool, err := pgTool(e, "pg_dump")
			if err != nil {
				return err
			}
			out := c.Args().First()
			cmd := exec.CommandContext(c.Context, tool, "--format=custom", "--no-owner", "--file", out, "--dbname", e.db.URL)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("backup to %s: %w", out, err)
			}
			st, _ := os.Stat(out)
			fmt.Printf("backup written to %s (%d bytes)\n", out, st.Size())
			return nil
		},
	}
}

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "replace the database's contents with a backup made by 'lad backup'",
		ArgsUsage: "FILE",
		Description: `Restores a backup made by 'lad backup' (pg_restore --clean) into the database,
in one transaction: either the whole backup is restored or nothing changes. Stop
'lad serve' first; the server's caches do not know about the restore.`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("restore: give the backup file")
			}
			in := c.Args().First()
			if _, err := os.Stat(in); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			e.db.Pool.Close()
			tool, err := pgTool(e, "pg_restore")
			if err != nil {
				return err
			}
			cmd := exec.CommandContext(c.Context, tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", e.db.URL, in)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("restore from %s: %w (nothing was changed)", in, err)
			}
			fmt.Printf("restored from %s\n", in)
			return nil
		},
	}
}
