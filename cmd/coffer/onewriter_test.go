package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneWriter: the command line's output reaches the terminal only
// through env's sanitizing writers. No file but main.go names os.Stdout or
// os.Stderr, and none prints with fmt.Print*, print/println or the log
// package, which write to them behind the writers' back. (The terminal
// interface in cmd_review.go renders through Bubble Tea, whose views are
// built from sanitized text: ui's TestHostileText checks them.)
func TestOneWriter(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"log"` || imp.Path.Value == `"log/slog"` {
				t.Errorf("%s imports %s: print through env's writers", name, imp.Path.Value)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				x, ok := n.X.(*ast.Ident)
				if !ok {
					return true
				}
				switch {
				case x.Name == "os" && (n.Sel.Name == "Stdout" || n.Sel.Name == "Stderr") && name != "main.go":
					t.Errorf("%s: os.%s: print through env's writers", fset.Position(n.Pos()), n.Sel.Name)
				case x.Name == "fmt" && strings.HasPrefix(n.Sel.Name, "Print"):
					t.Errorf("%s: fmt.%s writes to os.Stdout: use fmt.Fprint* on env's writers", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") {
					t.Errorf("%s: %s writes to stderr: use env's writers", fset.Position(n.Pos()), id.Name)
				}
			}
			return true
		})
	}
}
