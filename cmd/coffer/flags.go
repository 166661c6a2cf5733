package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	printFlags(w, fs)
}

// printSynopsis is the usage printed after a mistake on the command
// line: the command's arguments and flags, without the prose and
// examples of 'coffer help COMMAND'.
func printSynopsis(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: coffer %s %s\n", c.name, c.args)
	printFlags(w, fs)
}

// printFlags lists the flags as flag.PrintDefaults does, but written as
// people type them and as errors name them: --identity FILE, -o FILE.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	if len(flagNames(fs)) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  " + dashes(f.Name)
		if arg != "" {
			line += " " + arg
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" {
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isString := g.Get().(string); isString {
					def = strconv.Quote(def)
				}
			}
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}

func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// dashes writes a flag as people type it: -o, --identity.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// invalidValue matches the flag package's error for a value its flag
// cannot take.
var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^:]+): (.*)$`)

// flagError rewrites a parse error of the flag package for command c:
// the flag named as typed (--idle-lock, not -idle-lock), a suggestion
// for an unknown flag, what a bad value should look like, and the
// command's synopsis after it.
func flagError(c *command, fs *flag.FlagSet, err error) error {
	msg := err.Error()
	var out error
	hint := ""
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		out = fmt.Errorf("%s: unknown flag %s", c.name, dashes(name))
		hint = didYouMean(name, flagNames(fs), dashes)
	} else if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		out = fmt.Errorf("%s: %s needs a value", c.name, dashes(name))
	} else if m := invalidValue.FindStringSubmatch(msg); m != nil {
		value, uerr := strconv.Unquote(m[1])
		if uerr != nil {
			value = m[1]
		}
		out = fmt.Errorf("%s: %s %s: %s", c.name, dashes(m[2]), oneLine(value), valueWant(fs.Lookup(m[2]), m[3]))
	} else {
		out = fmt.Errorf("%s: %v", c.name, err)
	}
	return forCommand(usageHint(hint, "%w", out), c, fs)
}

// valueWant says what a flag's value should look like, from its type.
func valueWant(f *flag.Flag, why string) string {
	if f == nil {
		return why
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return why
	}
	switch g.Get().(type) {
	case time.Duration:
		return "not a duration (such as 90s, 5m or 1h30m; 0 for never)"
	case int, int64, uint, uint64:
		return "not a whole number"
	case bool:
		return "not true or false"
	}
	return why
}

// oneLine makes an error message safe and single-line for the terminal:
// errors can quote untrusted names.
func oneLine(s string) string { return sanitize.Line(s) }
