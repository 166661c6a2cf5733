package audit_test

import (
	"fmt"
	"os"

	"coffer/vault/audit"

	"filippo.io/age"
)

// The reviewer's side records through a Gate; the auditor's side verifies
// and reads with a separate key.
func Example() {
	dir, _ := os.MkdirTemp("", "vault")
	defer os.RemoveAll(dir)
	auditor, _ := age.GenerateX25519Identity() // its recipient is in the manifest

	// Reviewer: unlock, then every view goes through the gate.
	l, err := audit.Open(dir, []age.Recipient{auditor.Recipient()}, audit.Actor{Member: "alice", Fingerprint: "SHA256:..."})
	if err != nil {
		fmt.Println(err) // no trail, no session: do not unlock
		return
	}
	l.Append(audit.Event{Action: audit.ActionUnlock, Method: "passphrase"})
	store := store{"m1": &message{ID: "m1", Body: "hello"}}
	g := audit.NewGate[*message](l, store)
	if msgs, err := g.ViewConversation("c1", []string{"m1"}); err == nil {
		fmt.Println("shown:", msgs[0].Body)
	}
	l.Close(audit.LockManual)

	// Auditor.
	ids := []age.Identity{auditor}
	if _, err := audit.Verify(dir, ids, nil); err != nil {
		fmt.Println(err)
		return
	}
	events, _ := audit.Read(dir, ids, audit.Filter{Actor: "alice"})
	for _, e := range events {
		fmt.Println(e.Seq, e.Action, e.Messages)
	}
	// Output:
	// shown: hello
	// 1 session []
	// 2 unlock []
	// 3 view-conversation [m1]
	// 4 lock []
}
