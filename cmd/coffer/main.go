// Command coffer reviews archived communications without leaving
// plaintext on disk. See README.md for a tour; `coffer help` lists the
// commands. This package only parses the command line and prints: the
// logic lives in vault, index and ui.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"coffer/ui/sanitize"
	"coffer/vault"
)

// env is what a command may touch of the outside world; tests replace it.
// Its output is the sanitizing writers: every byte a command prints goes
// through them (ui/sanitize.Writer), so none reaches a terminal raw.
// Nothing in this package but main names os.Stdout or os.Stderr
// (TestOneWriter); the terminal interface (cmd_review.go) draws through
// Bubble Tea from sanitized text.
type env struct {
	stdin          io.Reader
	stdout, stderr *sanitize.Writer
	// tty opens the controlling terminal for prompts; nil when there is none.
	tty func() (io.ReadWriteCloser, error)
	now func() time.Time
}

// newEnv wraps stdout and stderr in the sanitizing writers. A writer that
// is a terminal gets progress bars and highlights.
func newEnv(stdin io.Reader, stdout, stderr io.Writer, tty func() (io.ReadWriteCloser, error)) *env {
	color := os.Getenv("NO_COLOR") == ""
	return &env{
		stdin:  stdin,
		stdout: sanitize.NewWriter(stdout, isTerminal(stdout), color),
		stderr: sanitize.NewWriter(stderr, isTerminal(stderr), color),
		tty:    tty,
		now:    time.Now,
	}
}

func main() { os.Exit(process(openTTY)) }

// process is the whole coffer process: hardened, then one command on the
// process's own input, output and arguments.
func process(tty func() (io.ReadWriteCloser, error)) int {
	// Before anything is decrypted: no core dumps, no ptrace by others.
	harden()
	// A reader that goes away (coffer search … | head) is a normal end:
	// writes then fail with EPIPE, which run treats as such, instead of
	// the signal killing the process mid-session.
	signal.Ignore(syscall.SIGPIPE)
	return run(newEnv(os.Stdin, os.Stdout, os.Stderr, tty), os.Args[1:])
}

func commands() []*command {
	return []*command{
		initCommand(),
		importCommand(),
		exportCommand(),
		statsCommand(),
		verifyCommand(),
		compactCommand(),
		memberCommand(),
		ingestKeyCommand(),
		reviewCommand(),
		auditCommand(),
		searchCommand(),
		produceCommand(),
		tagCommand(),
		savedCommand(),
		policyCommand(),
		supervisionCommand(),
		attachmentCommand(),
		holdCommand(),
		vaultCommand(),
	}
}

// run runs one command and returns its exit status.
func run(e *env, args []string) int {
	code := dispatch(e, args)
	e.stdout.Flush()
	e.stderr.Flush()
	return code
}

func dispatch(e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return dispatch(e, []string{args[1], "--help"})
		}
		mainUsage(e.stdout)
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(e.stdout, versionLine(debug.ReadBuildInfo()))
		return exitOK
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = c
		}
	}
	if cmd == nil && isVaultDir(args[0]) {
		return dispatch(e, append([]string{"review"}, args...)) // coffer DIR
	}
	if cmd == nil {
		return report(e.stderr, unknownCommand(args[0]))
	}
	fs := flag.NewFlagSet("coffer "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	do := cmd.setup(fs)
	parseArgs := parse
	if cmd.parse != nil {
		parseArgs = cmd.parse
	}
	pos, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printUsage(e.stdout, cmd, fs)
		return exitOK
	}
	if err != nil {
		return report(e.stderr, flagError(cmd, fs, err))
	}
	if err := do(e, pos); err != nil {
		if closedPipe(err) || closedPipe(e.stdout.Err()) {
			return exitOK // the reader went away: not an error (see main)
		}
		return report(e.stderr, forCommand(err, cmd, fs))
	}
	return exitOK
}

// unknownCommand is the error for a first argument that names no
// command: a suggestion when one is close, and the list of commands. A
// folder that is not a vault (coffer DIR) is said to be so.
func unknownCommand(name string) error {
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return fmt.Errorf("%s: %w", name, vault.ErrNotVault)
	}
	var hint string
	if flag, ok := strings.CutPrefix(name, "-"); ok {
		// coffer --identity K stats: flags follow the command.
		hint = didYouMean(strings.TrimPrefix(flag, "-"), []string{"version", "help"}, func(s string) string { return "'coffer --" + s + "'" })
		if hint == "" {
			hint = "a command comes first, then its arguments and flags: coffer <command> [arguments] [flags]"
		}
	} else {
		var names []string
		for _, c := range commands() {
			names = append(names, c.name)
		}
		hint = didYouMean(name, names, func(s string) string { return "'coffer " + s + "'" })
	}
	err := usageHint(hint, "unknown command %q", name)
	err.(*cliError).usage = mainUsage
	return err
}

// missingArgs names the positional arguments of command name after the
// first have, from its synopsis ("DIR FILE..."): optional ones ([...])
// and flags (--identity AUDITOR-KEY) are left out.
func missingArgs(name string, have int) string {
	var spec string
	for _, c := range commands() {
		if c.name == name {
			spec = c.args
		}
	}
	// Of alternatives ("DIR QUERY... | DIR --saved NAME"), the first
	// names what is missing.
	spec, _, _ = strings.Cut(spec, " | ")
	var required []string
	words := strings.Fields(spec)
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case strings.HasPrefix(w, "-"):
			i++ // and its value
		case strings.HasPrefix(w, "["):
		default:
			required = append(required, w)
		}
	}
	if have >= len(required) {
		return ""
	}
	return strings.Join(required[have:], " ")
}

// closedPipe reports whether err is a write to a reader that went away.
func closedPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }

func mainUsage(w io.Writer) {
	fmt.Fprintf(w, "coffer: review archived chats and email without plaintext on disk.\n\nUsage: coffer <command> [arguments] [flags]\n\nCommands:\n")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	tb := newTable()
	tb.indent = "  "
	for _, c := range cs {
		tb.row(c.name, c.summary)
	}
	tb.write(w)
	fmt.Fprintf(w, "\nRun 'coffer help <command>' for a command's flags and examples,\n'coffer --version' for the version and revision of this binary.\n")
}

// needArgs checks the number of positional arguments, and names those
// missing from the command's synopsis.
func needArgs(name string, args []string, min, max int) error {
	if len(args) < min {
		if missing := missingArgs(name, len(args)); missing != "" {
			return usageError("%s: missing %s", name, missing)
		}
		return usageError("%s: missing arguments", name)
	}
	if max >= 0 && len(args) > max {
		return usageError("%s: too many arguments: %s", name, oneLine(strings.Join(args[max:], " ")))
	}
	return nil
}
