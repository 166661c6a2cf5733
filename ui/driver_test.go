package ui_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	_ "github.com/charmbracelet/x/exp/golden" // registers -update

	"coffer/ui"
	"coffer/ui/common"
)

// updating reports -update, the flag that teatest's golden package
// registers (go test ./ui/ -update rewrites the golden files).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// cleanups run after every test and benchmark (fixtures shared by
// several benchmarks live outside their temp dirs).
var cleanups []func()

func TestMain(m *testing.M) {
	// Pins (vault/state.go) go to a folder of the test's own.
	state, err := os.MkdirTemp("", "coffer-ui-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("COFFER_STATE_DIR", state)
	code := m.Run()
	for _, c := range cleanups {
		c()
	}
	os.RemoveAll(state)
	os.Exit(code)
}

// driver runs a model the way tea.Program does, but synchronously: every
// command is run to completion and its message fed back, so a test sees
// the state after all the work a key started.
type driver struct {
	t    testing.TB
	m    tea.Model
	quit bool
	// clipboard is what the model last asked the terminal to copy.
	clipboard string
}

func newDriver(t testing.TB, m tea.Model, w, h int) *driver {
	d := &driver{t: t, m: m}
	d.run(m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

var cmdType = reflect.TypeOf(tea.Cmd(nil))

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			d.t.Fatal("driver: commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(20 * time.Second):
			d.t.Fatal("driver: command did not return")
		}
		if msg == nil {
			continue
		}
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case tea.QuitMsg:
			d.quit = true
			continue
		}
		v := reflect.ValueOf(msg)
		if v.Kind() == reflect.Slice && v.Type().Elem() == cmdType { // tea.Sequence
			for i := range v.Len() {
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		if strings.Contains(v.Type().PkgPath(), "bubbles/v2/cursor") {
			continue // cursor blinks never settle
		}
		if v.Type().Name() == "setClipboardMsg" && v.Kind() == reflect.String {
			d.clipboard = v.String()
		}
		var next tea.Cmd
		d.m, next = d.m.Update(msg)
		queue = append(queue, next)
	}
}

func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	if strings.HasPrefix(k, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func (d *driver) model() *ui.Model { return d.m.(*ui.Model) }

func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

var (
	folderLine = regexp.MustCompile(`Folder   \S.*`)
	stamp      = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?|\d\d-\d\d \d\d:\d\d:\d\d`)
)

// normalise masks what differs between runs: temp folders and the audit
// trail's wall-clock times.
func normalise(s string) string {
	s = folderLine.ReplaceAllStringFunc(s, func(l string) string {
		return "Folder   <tmp>" + strings.Repeat(" ", max(len([]rune(l))-len("Folder   <tmp>"), 0))
	})
	return stamp.ReplaceAllStringFunc(s, func(x string) string { return strings.Repeat("#", len(x)) })
}

// golden compares got with testdata/<Test>/<name>.golden (-update
// rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden")
	if updating() {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func ansiWidth(s string) int { return common.Width(s) }
