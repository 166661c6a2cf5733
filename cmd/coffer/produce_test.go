package main

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"coffer/vault"
	"coffer/vault/production"
)

// prodTamper is the testscript command
//
//	prodtamper IN OUT IDENTITY-FILE flip|remove|resign [PATH]
//
// which does what someone holding the receiving party's key could do to
// a production: decrypt IN, flip a byte of PATH, remove PATH, or re-sign
// manifest.json with a new key (naming it), and encrypt the result to
// the same identity as OUT.
func prodTamper(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: prodtamper IN OUT IDENTITY-FILE flip|remove|resign [PATH]")
	}
	in, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	keyData, err := os.ReadFile(ts.MkAbs(args[2]))
	ts.Check(err)
	ids, err := age.ParseIdentities(bytes.NewReader(keyData))
	ts.Check(err)
	id := ids[0].(*age.X25519Identity)
	r, err := age.Decrypt(bytes.NewReader(in), id)
	ts.Check(err)
	type entry struct {
		h    *tar.Header
		data []byte
	}
	var es []entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		ts.Check(err)
		data, err := io.ReadAll(tr)
		ts.Check(err)
		es = append(es, entry{h, data})
	}
	op, path := args[3], ""
	if len(args) > 4 {
		path = args[4]
	}
	found := false
	var out []entry
	for i, e := range es {
		switch {
		case op == "flip" && e.h.Name == path:
			e.data[len(e.data)/2] ^= 1
			found = true
		case op == "remove" && e.h.Name == path:
			found = true
			continue
		case op == "resign" && e.h.Name == production.ManifestFile:
			_, key, _ := ed25519.GenerateKey(rand.Reader)
			// Name the new key where the old one was.
			old := bytes.Index(e.data, []byte(`"public_key": "`))
			if old < 0 {
				ts.Fatalf("no signer key in manifest.json")
			}
			start := old + len(`"public_key": "`)
			end := start + bytes.IndexByte(e.data[start:], '"')
			pub := []byte(b64(key.Public().(ed25519.PublicKey)))
			e.data = append(append(append([]byte{}, e.data[:start]...), pub...), e.data[end:]...)
			sig := vault.SignProductionWith(key, 1, e.data)
			es[i+1].data = []byte(b64(sig.Signature) + "\n")
			found = true
		}
		e.h.Size = int64(len(e.data))
		out = append(out, e)
	}
	if !found {
		ts.Fatalf("prodtamper: nothing to %s", op)
	}
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	for _, e := range out {
		ts.Check(tw.WriteHeader(e.h))
		_, err := tw.Write(e.data)
		ts.Check(err)
	}
	ts.Check(tw.Close())
	var enc bytes.Buffer
	w, err := age.Encrypt(&enc, id.Recipient())
	ts.Check(err)
	w.Write(plain.Bytes())
	ts.Check(w.Close())
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), enc.Bytes(), 0o600))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
