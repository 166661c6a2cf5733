package access_test

import (
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// This test is how the access layer holds by construction rather than by
// each code path remembering it. It type-checks every package of the
// module and finds every exported function and method that hands out
// message content: one whose results (or a callback it calls) carry a
// content type, directly or through exported fields and methods. Then:
//
//   - each must be listed below, with who may call it; a new one fails
//     until someone decides where it belongs (almost always: a recorded
//     method of Session, with a test that asserts its audit event);
//   - outside the core (vault, vault/access, index) nothing may call a
//     core-only one, nor name the unlocked vault's type: the terminal
//     interface and the command line reach content through Session's
//     recorded methods, or not at all.

// contentRoots are the types that are message content, or the unlocked
// vault that holds it.
var contentRoots = []string{
	"coffer/vault.Message",
	"coffer/vault.Conversation",
	"coffer/vault.Attachment",
	"coffer/vault.Texts",             // subjects and bodies, for the index
	"coffer/vault.ConversationCount", // a title and a count
	"coffer/vault.Vault",
	"coffer/vault/access.Conversation", // titles and participants
	"coffer/vault/access.FacetCount",   // sender names and titles
}

// plaintextBytes are the functions that return decrypted content as
// bytes or strings, which no type says: they count as handing out content.
var plaintextBytes = []string{
	"(*coffer/vault.Vault).Attachment",
	"(*coffer/vault.AttachmentReader).Read",
	"(*coffer/vault.Texts).At",
	"(*coffer/vault/access.Session).Copy",
	"(*coffer/vault/access.Session).SaveAttachment", // to the file the member named
	"(*coffer/vault/access.Session).PipeAttachment", // to the command the member named
}

// core packages may read content freely: they are what the guarantees are
// built from.
var core = []string{"coffer/vault", "coffer/vault/access", "coffer/index"}

type scope int

const (
	coreOnly scope = iota // the vault's own accessors, the index over them
	anyone                // recorded, or content that is not the vault's
)

// contentAPI is every exported function and method that hands out
// content, and who may call it. A new entry needs a reason in the comment.
var contentAPI = map[string]scope{
	// The unlocked vault and its accessors: for vault/access and index.
	"coffer/vault.Unlock":                   coreOnly,
	"coffer/vault.UnlockStore":              coreOnly, // Unlock of storage the gate opened for the trail
	"(*coffer/vault.Vault).Messages":        coreOnly,
	"(*coffer/vault.Vault).Message":         coreOnly,
	"(*coffer/vault.Vault).MessageAt":       coreOnly, // a message by position: the index's hits, after LoadCatalog
	"(*coffer/vault.Vault).Lookup":          coreOnly, // Message, with the error of a segment read on demand
	"(*coffer/vault.Vault).WithMessage":     coreOnly, // a message's text for the index's checks and highlights, after LoadCatalog
	"(*coffer/vault.Vault).Stats":           coreOnly,
	"(*coffer/vault.Vault).CompactIndex":    coreOnly, // hands messages to the indexer
	"(*coffer/vault.Appender).SetIndexer":   coreOnly, // hands staged messages' text to the indexer
	"coffer/vault.TextsOf":                  coreOnly, // messages' text, for the indexer
	"(*coffer/vault.Texts).At":              coreOnly,
	"coffer/vault.OpenIngest":               coreOnly, // an Appender, which can take an indexer
	"(*coffer/vault.Vault).NewAppender":     coreOnly,
	"(*coffer/vault.Vault).IndexSegments":   coreOnly, // the stored index says which words each message holds
	"(*coffer/vault.Vault).Attachment":      coreOnly,
	"(*coffer/vault.AttachmentReader).Read": coreOnly, // Attachment, for many in turn (productions)
	"coffer/index.New":                      coreOnly,
	"coffer/index.Open":                     coreOnly,
	"coffer/index.OpenVault":                coreOnly,
	"(coffer/index.Engine).Open":            coreOnly,
	"(*coffer/index.Index).Search":          coreOnly, // facets name senders and conversations
	"(coffer/vault/access.Engine).Open":     coreOnly,
	"(coffer/vault/access.Searcher).Search": coreOnly,

	// Session's recorded methods: each writes its audit event first
	// (session_test.go asserts each one).
	"coffer/vault/access.Open":                      anyone, // a Gate: nothing until Unlock
	"(*coffer/vault/access.Gate).Unlock":            anyone, // a Session: nothing until a recorded call
	"(*coffer/vault/access.Session).Conversations":  anyone,
	"(*coffer/vault/access.Session).View":           anyone,
	"(*coffer/vault/access.Session).Detail":         anyone,
	"(*coffer/vault/access.Session).Search":         anyone,
	"(*coffer/vault/access.Session).Stats":          anyone,
	"(*coffer/vault/access.Session).Copy":           anyone,
	"(*coffer/vault/access.Session).SearchSaved":    anyone, // recorded as the search it runs
	"(*coffer/vault/access.Session).Attachment":     anyone,
	"(*coffer/vault/access.Session).SaveAttachment": anyone,
	"(*coffer/vault/access.Session).PipeAttachment": anyone,

	// Content that is not the vault's: what an importer reads from the
	// user's own export on its way in, and made-up messages.
	"coffer/vault/ingest.Formats":         anyone,
	"coffer/vault/ingest.Lookup":          anyone,
	"coffer/vault/ingest.Detect":          anyone,
	"coffer/vault/ingest.ReadJSONL":       anyone,
	"coffer/vault/ingest.ReadMbox":        anyone,
	"coffer/vault/corpus.Generate":        anyone, // benchmark corpora
	"coffer/ui/internal/fixture.Messages": anyone, // test vaults
	"coffer/ui/internal/fixture.Hostile":  anyone,
	"coffer/ui/internal/fixture.Big":      anyone,
}

func TestContentOnlyThroughAccess(t *testing.T) {
	touchSources(t)
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax}
	pkgs, err := packages.Load(cfg, "coffer/...")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the module does not type-check")
	}
	r := newReach()

	// Every exported function and method that hands out content.
	found := map[string]*types.Func{}
	for _, p := range pkgs {
		for _, name := range p.Types.Scope().Names() {
			switch obj := p.Types.Scope().Lookup(name).(type) {
			case *types.Func:
				if obj.Exported() && r.signature(obj.Type().(*types.Signature)) {
					found[obj.FullName()] = obj
				}
			case *types.TypeName:
				named, ok := obj.Type().(*types.Named)
				if !ok || !obj.Exported() {
					continue
				}
				if iface, ok := named.Underlying().(*types.Interface); ok {
					for m := range iface.Methods() {
						if m.Exported() && r.signature(m.Type().(*types.Signature)) {
							found[m.FullName()] = m
						}
					}
					continue
				}
				for m := range named.Methods() {
					if m.Exported() && r.signature(m.Type().(*types.Signature)) {
						found[m.FullName()] = m
					}
				}
			}
		}
	}
	for _, p := range pkgs {
		for id, obj := range p.TypesInfo.Defs {
			if f, ok := obj.(*types.Func); ok && id.IsExported() && slices.Contains(plaintextBytes, f.FullName()) {
				found[f.FullName()] = f
			}
		}
	}
	for name := range found {
		if _, ok := contentAPI[name]; !ok {
			t.Errorf("%s hands out message content but is not in contentAPI: make it a recorded method of access.Session (with a test of its audit event), or list it with who may call it and why", name)
		}
	}
	for name := range contentAPI {
		if _, ok := found[name]; !ok {
			t.Errorf("contentAPI lists %s, which no longer hands out content (or no longer exists): remove it", name)
		}
	}

	// Outside the core: no core-only call, and no unlocked vault.
	for _, p := range pkgs {
		if slices.Contains(core, p.PkgPath) {
			continue
		}
		for id, obj := range p.TypesInfo.Uses {
			where := p.Fset.Position(id.Pos())
			switch obj := obj.(type) {
			case *types.Func:
				if s, ok := contentAPI[obj.FullName()]; ok && s == coreOnly {
					t.Errorf("%s: %s calls %s, which reads the vault without recording: use access.Session", where, p.PkgPath, obj.FullName())
				}
			case *types.TypeName:
				if obj.Pkg() != nil && obj.Pkg().Path()+"."+obj.Name() == "coffer/vault.Vault" {
					t.Errorf("%s: %s names vault.Vault, the unlocked vault: hold an access.Session instead", where, p.PkgPath)
				}
			}
		}
	}
}

// touchSources reads every Go file and folder of the module, so that go
// test's cache, which tracks the files a test opens (not those go list
// reads for it), reruns this test when any of them changes.
func touchSources(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root:
			return filepath.SkipDir
		case strings.HasSuffix(path, ".go"):
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reach decides which types carry content.
type reach struct {
	memo map[types.Type]bool
}

func newReach() *reach { return &reach{memo: map[types.Type]bool{}} }

// signature reports whether calling a function with this signature can
// hand content to its caller: through a result, or through a callback
// parameter that receives it.
func (r *reach) signature(sig *types.Signature) bool {
	for v := range sig.Results().Variables() {
		if r.typ(v.Type()) {
			return true
		}
	}
	for v := range sig.Params().Variables() {
		if cb, ok := v.Type().Underlying().(*types.Signature); ok {
			for p := range cb.Params().Variables() {
				if r.typ(p.Type()) {
					return true
				}
			}
		}
	}
	return false
}

// typ reports whether a value of type t carries content: it is a root,
// or holds one in an exported field, element, or an exported method's
// results.
func (r *reach) typ(t types.Type) bool {
	if v, ok := r.memo[t]; ok {
		return v
	}
	r.memo[t] = false // cycles carry nothing by themselves
	v := r.walk(t)
	r.memo[t] = v
	return v
}

func (r *reach) walk(t types.Type) bool {
	switch t := t.(type) {
	case *types.Alias:
		return r.typ(types.Unalias(t))
	case *types.Named:
		if obj := t.Obj(); obj.Pkg() != nil && slices.Contains(contentRoots, obj.Pkg().Path()+"."+obj.Name()) {
			return true
		}
		if !strings.HasPrefix(pkgPath(t), "coffer") {
			return false // the standard library and dependencies hold none of ours
		}
		for m := range t.Methods() {
			if m.Exported() && r.signature(m.Type().(*types.Signature)) {
				return true
			}
		}
		return r.typ(t.Underlying())
	case *types.Pointer:
		return r.typ(t.Elem())
	case *types.Slice:
		return r.typ(t.Elem())
	case *types.Array:
		return r.typ(t.Elem())
	case *types.Map:
		return r.typ(t.Key()) || r.typ(t.Elem())
	case *types.Chan:
		return r.typ(t.Elem())
	case *types.Signature:
		return r.signature(t)
	case *types.Struct:
		for f := range t.Fields() {
			if (f.Exported() || f.Embedded()) && r.typ(f.Type()) {
				return true
			}
		}
	case *types.Interface:
		for m := range t.Methods() {
			if m.Exported() && r.signature(m.Type().(*types.Signature)) {
				return true
			}
		}
	}
	return false
}

func pkgPath(t *types.Named) string {
	if t.Obj().Pkg() == nil {
		return ""
	}
	return t.Obj().Pkg().Path()
}
