package main

import (
	"context"
	"errors"

	"github.com/urfave/cli/v2"
)

func ingestCommand() *cli.Command {
	return &cli.Command{
		Name:      "ingest",
		Usage:     "load plans, parcels, permits and advertising records into the database",
		ArgsUsage: "plan|parcels|permits|ads|log FILE...",
		Action: func(c *cli.Context) error {
			return errors.New("ingest: not built yet")
		},
	}
}

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Usage:     "run an analysis (plan coverage, permit conformity…) and print its table",
		ArgsUsage: "NAME",
		Action: func(c *cli.Context) error {
			return errors.New("analyze: not built yet")
		},
	}
}

func userCommand() *cli.Command {
	return &cli.Command{
		Name:      "user",
		Usage:     "manage staff accounts (admin, planner, inspector)",
		ArgsUsage: "add|passwd|disable|list",
		Action: func(c *cli.Context) error {
			return errors.New("user: not built yet")
		},
	}
}

func loadDemo(ctx context.Context, e *env) error {
	e.log.Warn("demo city not built yet")
	return nil
}
