package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/ladgis/lad/analysis"
)

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Usage:     "run an analysis and print its table (" + strings.Join(analysis.Names, ", ") + ")",
		ArgsUsage: "NAME",
		Description: `Runs an analysis on the database and prints a readable table, or CSV or JSON.
plan-coverage: the share of the municipality and of each district covered by local
plans (MPZP) and by the general plan (POG) in force on --date, and its series by
year of adoption.
permit-conformity: each permit, notification and zoning decision against the
plans in force where and when it was decided, by the conformity matrix (table
conformity_rule: building category → admitted symbols and zone types); the rate
per district, year and designation, and the conflicts with their reasons
(--from-year..--to-year).
development-pressure: decisions per hexagonal cell (edge --cell-m metres) and
year, inside plans, outside plans and outside OUZ; hot spots by Getis-Ord Gi*;
districts ranked by activity without a plan.
plan-realisation: per plan and designation in force on --date, the capacity
(max. intensity × area), the floor area permitted since adoption, realisation %
and capacity remaining.
advertising-compliance: carriers against their landscape zone's rules, compliance
per zone, overdue inspections, the enforcement pipeline and penalties accrued by
art. 37d with the municipality's fee rates.
changes: what changed between --from and --to: plans, coverage, permits per
district, carriers, violations, consultations and comments.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "municipality", Aliases: []string{"m"}, Value: "0264011", Usage: "TERC of the municipality"},
			&cli.StringFlag{Name: "date", Usage: "as of this date (YYYY-MM-DD, default today)"},
			&cli.StringFlag{Name: "district-kind", Value: "osiedle", Usage: "which districts to break down by"},
			&cli.IntFlag{Name: "inspection-days", Value: 365, Usage: "advertising-compliance: a carrier is overdue when its last inspection is older"},
			&cli.IntFlag{Name: "from-year", Usage: "permit-conformity, development-pressure: first year counted (default nine years before --to-year)"},
			&cli.IntFlag{Name: "to-year", Usage: "permit-conformity, development-pressure: last year counted (default the year of --date)"},
			&cli.IntFlag{Name: "cell-m", Value: 500, Usage: "development-pressure: hexagon edge in metres (100–5000)"},
			&cli.StringFlag{Name: "from", Usage: "changes: first day of the period (YYYY-MM-DD, default a year before --to)"},
			&cli.StringFlag{Name: "to", Usage: "changes: last day of the period (YYYY-MM-DD, default --date)"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv or json"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 {
				return fmt.Errorf("analyze: name one analysis: %s", strings.Join(analysis.Names, ", "))
			}
			f, err := trailingFlags(c)
			if err != nil {
				return err
			}
			p := analysis.Params{TERC: f.str("municipality"), Date: f.str("date"), DistrictKind: f.str("district-kind"),
				From: f.str("from"), To: f.str("to")}
			for name, dst := range map[string]*int{"inspection-days": &p.InspectionDays, "from-year": &p.FromYear,
				"to-year": &p.ToYear, "cell-m": &p.CellM} {
				if *dst, err = strconv.Atoi(f.str(name)); err != nil {
					return fmt.Errorf("analyze: --%s must be a whole number", name)
				}
			}
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			t, err := analysis.New(e.db.Pool, e.log).Run(c.Context, c.Args().First(), p)
			if err != nil {
				return err
			}
			switch f.str("format") {
			case "json":
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(t)
			case "csv":
				for _, tt := range append([]*analysis.Table{t}, t.More...) {
					w := csv.NewWriter(os.Stdout)
					w.Write(tt.Columns)
					for _, r := range tt.Rows {
						rec := make([]string, len(r))
						for i, v := range r {
							rec[i] = cell(v)
						}
						w.Write(rec)
					}
					w.Flush()
				}
				return nil
			case "table":
				for _, tt := range append([]*analysis.Table{t}, t.More...) {
					fmt.Printf("%s — %s (stan na %s, dane z %s)\n\n", tt.Title, tt.Params.TERC, tt.Params.Date, tt.DataDate)
					w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
					fmt.Fprintln(w, strings.Join(tt.Columns, "\t")+"\t")
					for _, r := range tt.Rows {
						cells := make([]string, len(r))
						for i, v := range r {
							cells[i] = cell(v)
						}
						fmt.Fprintln(w, strings.Join(cells, "\t")+"\t")
					}
					w.Flush()
					fmt.Println()
				}
				return nil
			}
			return fmt.Errorf("--format must be table, csv or json")
		},
	}
}

// flagValues reads the command's flags given before the analysis's name
// (parsed by cli) or after it (lad analyze NAME --municipality …), which
// cli leaves as arguments.
type flagValues struct {
	c     *cli.Context
	after map[string]string
}

func trailingFlags(c *cli.Context) (*flagValues, error) {
	set := flag.NewFlagSet("analyze", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		if err := f.Apply(set); err != nil {
			return nil, err
		}
	}
	if err := set.Parse(c.Args().Tail()); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	if set.NArg() > 0 {
		return nil, fmt.Errorf("analyze: name one analysis, not %d", set.NArg()+1)
	}
	fv := &flagValues{c: c, after: map[string]string{}}
	set.Visit(func(fl *flag.Flag) {
		for _, f := range c.Command.Flags {
			for _, n := range f.Names() {
				if n == fl.Name {
					fv.after[f.Names()[0]] = fl.Value.String()
				}
			}
		}
	})
	return fv, nil
}

// str is a flag's value as text, given after the name or else before it
// (or its default).
func (f *flagValues) str(name string) string {
	if v, ok := f.after[name]; ok {
		return v
	}
	return f.c.Generic(name).(flag.Value).String()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprint(x)
	}
}
