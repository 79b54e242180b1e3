package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ladgis/lad/audit"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "read the audit log: who wrote what, when, before and after",
		Description: `Every write to plans, permits, advertising and enforcement records,
consultations and accounts is logged by the database itself, also when made
with psql: who (user:LOGIN, token:LOGIN#ID, cli:SYSTEM-USER, anonymous:REQUEST-ID,
system:JOB, or db:ROLE when nobody was named), when, the table, the row and the
values before and after. Geometries are logged as digests, password and token
hashes and personal data as [redacted]. Nobody can change or delete the log.

Newest first. --actor takes KIND: (every actor of a kind), KIND:NAME, or a bare
login. --since and --until take a date (2024-05-01, local midnight) or a time.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "table", Aliases: []string{"t"}, Usage: "only writes to this table (e.g. permit, plan, app_user)"},
			&cli.StringFlag{Name: "actor", Aliases: []string{"a"}, Usage: "only writes by this actor (user:anna, cli:, anna…)"},
			&cli.StringFlag{Name: "since", Usage: "only writes at or after this date or time"},
			&cli.StringFlag{Name: "until", Usage: "only writes before this date or time"},
			&cli.IntFlag{Name: "limit", Aliases: []string{"n"}, Value: audit.DefaultLimit, Usage: fmt.Sprintf("number of entries (at most %d)", audit.MaxLimit)},
			&cli.Int64Flag{Name: "before-id", Usage: "only entries with a smaller id (the next page after the last id shown)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table, json or csv"},
		},
		Action: runAudit,
	}
}

func runAudit(c *cli.Context) error {
	f := audit.Filter{Table: c.String("table"), Actor: c.String("actor"), Limit: c.Int("limit"), BeforeID: c.Int64("before-id")}
	var err error
	if v := c.String("since"); v != "" {
		if f.Since, err = audit.ParseTime(v, time.Local); err != nil {
			return fmt.Errorf("--since: %w", err)
		}
	}
	if v := c.String("until"); v != "" {
		if f.Until, err = audit.ParseTime(v, time.Local); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	format := c.String("format")
	if format != "table" && format != "json" && format != "csv" {
		return fmt.Errorf("--format must be table, json or csv")
	}
	if err := f.Check(); err != nil {
		return err
	}
	e, err := openEnv(c)
	if err != nil {
		return err
	}
	defer e.close()
	entries, err := audit.List(c.Context, e.db.Pool, f)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return writeAuditJSON(os.Stdout, entries)
	case "csv":
		return writeAuditCSV(os.Stdout, entries)
	}
	return writeAuditTable(os.Stdout, entries)
}

func writeAuditTable(out io.Writer, entries []audit.Entry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(out, "no entries")
		return err
	}
	w := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tAT\tACTOR\tTABLE\tOP\tROW\tCHANGE")
	for _, x := range entries {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.At.Local().Format("2006-01-02 15:04:05"), x.Actor, x.Table, x.Op,
			x.KeyText(), x.Summary(100))
	}
	return w.Flush()
}

func writeAuditJSON(out io.Writer, entries []audit.Entry) error {
	if entries == nil {
		entries = []audit.Entry{}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(entries)
}

func writeAuditCSV(out io.Writer, entries []audit.Entry) error {
	w := csv.NewWriter(out)
	_ = w.Write([]string{"id", "at", "actor", "actor_kind", "db_user", "txid", "table", "op", "row_key", "before", "after"})
	for _, x := range entries {
		txid := ""
		if x.TxID != nil {
			txid = strconv.FormatInt(*x.TxID, 10)
		}
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.At.Format(time.RFC3339Nano), x.Actor, x.ActorKind, x.DBUser, txid,
			x.Table, x.Op, jsonCell(x.Key), jsonCell(x.Before), jsonCell(x.After)})
	}
	w.Flush()
	return w.Error()
}

// jsonCell is a JSON value as a CSV cell: empty for null.
func jsonCell(raw json.RawMessage) string {
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}
