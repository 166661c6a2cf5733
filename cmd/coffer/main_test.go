package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// The crash test runs this binary as a child coffer.
	if os.Getenv("COFFER_TEST_AS_COFFER") == "1" {
		os.Exit(process(nil))
	}
	testscript.Main(m, map[string]func(){
		"coffer": func() { os.Exit(process(nil)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script: each is a txtar
// archive of commands and expected output (see testscript's docs).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("COFFER_STATE_DIR", env.WorkDir+"/.state")
			env.Setenv("USER", "tester")
			// The demo's data set, for scripts that import its binary
			// files (the iMessage chat.db) where they are.
			demo, err := filepath.Abs(filepath.Join("..", "..", "testdata", "demo"))
			if err != nil {
				return err
			}
			env.Setenv("DEMO", demo)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"prodtamper":    prodTamper, // produce_test.go
			"setfromstdout": setFromStdout,
			// flipbyte FILE OFFSET flips one bit of the byte at OFFSET
			// (negative: from the end).
			"flipbyte": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: flipbyte FILE OFFSET")
				}
				path := ts.MkAbs(args[0])
				b, err := os.ReadFile(path)
				ts.Check(err)
				off, err := strconv.Atoi(args[1])
				ts.Check(err)
				if off < 0 {
					off += len(b)
				}
				b[off] ^= 1
				ts.Check(os.WriteFile(path, b, 0o600))
			},
		},
	})
}

// setfromstdout NAME REGEXP sets NAME to the first group of REGEXP's
// first match in the last command's standard output (an id printed by
// one command, for the next).
func setFromStdout(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: setfromstdout NAME REGEXP")
	}
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("setfromstdout: %q does not match standard output", args[1])
	}
	ts.Setenv(args[0], m[1])
}
