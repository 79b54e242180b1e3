package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/auth"
)

// readPassword reads a password from standard input (--password-stdin) or
// asks for it twice on the terminal.
func readPassword(c *cli.Context) (string, error) {
	if c.Bool("password-stdin") || !term.IsTerminal(int(os.Stdin.Fd())) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(os.Stderr, "Hasło / password: ")
	a, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, "Powtórz / again: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the passwords differ")
	}
	return string(a), nil
}

func userCommand() *cli.Command {
	pwFlag := &cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input (for scripts)"}
	withStore := func(fn func(c *cli.Context, st *auth.Store) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			return fn(c, auth.NewStore(e.db.Pool, e.log))
		}
	}
	return &cli.Command{
		Name:  "user",
		Usage: "manage staff accounts (admin, planner, inspector) and their API tokens",
		Description: `Staff sign in to the web map with these accounts; residents need none.
The first admin is created here. Passwords are stored as argon2id hashes.`,
		Subcommands: []*cli.Command{
			{
				Name: "add", Usage: "create an account", ArgsUsage: "LOGIN",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "role", Required: true, Usage: "admin, planner or inspector"},
					&cli.StringFlag{Name: "name", Usage: "display name"},
					&cli.StringSliceFlag{Name: "municipality", Aliases: []string{"m"}, Usage: "TERC of a municipality the user works for (repeatable; none for an admin means all)"},
					pwFlag,
				},
				Action: withStore(func(c *cli.Context, st *auth.Store) error {
					if c.NArg() != 1 {
						return errors.New("user add: give the login")
					}
					pw, err := readPassword(c)
					if err != nil {
						return err
					}
					if err := st.AddUser(c.Context, c.Args().First(), c.String("name"), access.Role(c.String("role")), c.StringSlice("municipality"), pw); err != nil {
						return err
					}
					fmt.Printf("user %s added (%s)\n", c.Args().First(), c.String("role"))
					return nil
				}),
			},
			{
				Name: "passwd", Usage: "set a new password (ends the user's sessions)", ArgsUsage: "LOGIN", Flags: []cli.Flag{pwFlag},
				Action: withStore(func(c *cli.Context, st *auth.Store) error {
					if c.NArg() != 1 {
						return errors.New("user passwd: give the login")
					}
					pw, err := readPassword(c)
					if err != nil {
						return err
					}
					return st.SetPassword(c.Context, c.Args().First(), pw)
				}),
			},
			{
				Name: "disable", Usage: "lock an account out (sessions and tokens end)", ArgsUsage: "LOGIN",
				Action: withStore(func(c *cli.Context, st *auth.Store) error {
					if c.NArg() != 1 {
						return errors.New("user disable: give the login")
					}
					return st.Disable(c.Context, c.Args().First())
				}),
			},
			{
				Name: "list", Usage: "list accounts",
				Action: withStore(func(c *cli.Context, st *auth.Store) error {
					users, err := st.List(c.Context)
					if err != nil {
						return err
					}
					w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', 0)
					fmt.Fprintln(w, "LOGIN\tROLE\tMUNICIPALITIES\tNAME\tSTATE")
					for _, u := range users {
						state := "active"
						if u.Disabled {
							state = "disabled"
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Role, strings.Join(u.TERCs, ","), u.Name, state)
					}
					return w.Flush()
				}),
			},
			{
				Name: "token", Usage: "create a personal API token (printed once)", ArgsUsage: "LOGIN NAME",
				Action: withStore(func(c *cli.Context, st *auth.Store) error {
					if c.NArg() != 2 {
						return errors.New("user token: give the login and a name for the token")
					}
					tok, err := st.AddToken(c.Context, c.Args().Get(0), c.Args().Get(1))
					if err != nil {
						return err
					}
					fmt.Println(tok)
					return nil
				}),
			},
		},
	}
}
