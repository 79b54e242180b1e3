package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

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
