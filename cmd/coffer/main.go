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
	"sort"
	"strings"
	"time"
)

// env is what a command may touch of the outside world; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// tty opens the controlling terminal for prompts; nil when there is none.
	tty func() (io.ReadWriteCloser, error)
	// stderrIsTerminal enables progress bars; stdoutIsTerminal highlights.
	stderrIsTerminal, stdoutIsTerminal bool
	now                                func() time.Time
}

func main() {
	// Before anything is decrypted: no core dumps, no ptrace by others.
	harden()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		tty:              openTTY,
		stderrIsTerminal: isTerminal(os.Stderr),
		stdoutIsTerminal: isTerminal(os.Stdout),
		now:              time.Now,
	}
	os.Exit(run(e, os.Args[1:]))
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
	}
}

func run(e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(e, []string{args[1], "--help"})
		}
		mainUsage(e.stdout)
		return exitOK
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = c
		}
	}
	if cmd == nil && isVaultDir(args[0]) {
		return run(e, append([]string{"review"}, args...)) // coffer DIR
	}
	if cmd == nil {
		return report(e.stderr, usageError("unknown command %q", args[0]))
	}
	fs := flag.NewFlagSet("coffer "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	do := cmd.setup(fs)
	pos, err := parse(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printUsage(e.stdout, cmd, fs)
		return exitOK
	}
	if err != nil {
		return report(e.stderr, usageError("%s: %v", cmd.name, err))
	}
	if err := do(e, pos); err != nil {
		return report(e.stderr, err)
	}
	return exitOK
}

func mainUsage(w io.Writer) {
	fmt.Fprintf(w, "coffer: review archived chats and email without plaintext on disk.\n\nUsage: coffer <command> [arguments] [flags]\n\nCommands:\n")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'coffer help <command>' for a command's flags and examples.\n")
}

// needArgs checks the number of positional arguments.
func needArgs(name string, args []string, min, max int) error {
	if len(args) < min {
		return usageError("%s: missing arguments (see 'coffer help %s')", name, name)
	}
	if max >= 0 && len(args) > max {
		return usageError("%s: too many arguments: %s", name, oneLine(strings.Join(args[max:], " ")))
	}
	return nil
}
