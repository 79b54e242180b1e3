package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

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
