package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"coffer/ui/sanitize"
)

// command is one subcommand.
type command struct {
	name    string
	args    string // positional arguments, for usage
	summary string
	help    string // details and examples
	setup   func(fs *flag.FlagSet) func(env *env, args []string) error
	// parse, when set, replaces parse (below) for this command's
	// arguments: for a command whose arguments may look like flags.
	parse func(fs *flag.FlagSet, args []string) ([]string, error)
}

// parse parses args with flags allowed before, between and after the
// positional arguments, as people type them (coffer search DIR QUERY
// --json). "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at "--" and consumes it; everything after is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: coffer %s %s\n\n%s\n", c.name, c.args, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	var has bool
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// oneLine makes an error message safe and single-line for the terminal:
// errors can quote untrusted names.
func oneLine(s string) string { return sanitize.Line(s) }
