package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
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
advertising-compliance: carriers against their landscape zone's rules, compliance
per zone, overdue inspections, the enforcement pipeline and penalties accrued by
art. 37d with the municipality's fee rates.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "municipality", Aliases: []string{"m"}, Value: "0264011", Usage: "TERC of the municipality"},
			&cli.StringFlag{Name: "date", Usage: "as of this date (YYYY-MM-DD, default today)"},
			&cli.StringFlag{Name: "district-kind", Value: "osiedle", Usage: "which districts to break down by"},
			&cli.IntFlag{Name: "inspection-days", Value: 365, Usage: "advertising-compliance: a carrier is overdue when its last inspection is older"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv or json"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("analyze: name one analysis: %s", strings.Join(analysis.Names, ", "))
			}
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			t, err := analysis.New(e.db.Pool, e.log).Run(c.Context, c.Args().First(),
				analysis.Params{TERC: c.String("municipality"), Date: c.String("date"), DistrictKind: c.String("district-kind"),
					InspectionDays: c.Int("inspection-days")})
			if err != nil {
				return err
			}
			switch c.String("format") {
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
