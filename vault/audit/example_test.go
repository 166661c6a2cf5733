package audit_test

import (
	"fmt"
	"os"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
)

// The reviewer's side records each event before it shows anything (in
// coffer, vault/access does); the auditor's side verifies and reads with a
// separate key.
func Example() {
	dir, _ := os.MkdirTemp("", "vault")
	defer os.RemoveAll(dir)
	auditor, _ := age.GenerateX25519Identity() // its recipient is in the manifest

	// Reviewer: unlock, then record every view before showing it.
	st := store.Dir(dir) // or store.Open("s3://bucket/prefix")
	l, err := audit.Open(st, []age.Recipient{auditor.Recipient()}, audit.Actor{Member: "alice", Fingerprint: "SHA256:..."})
	if err != nil {
		fmt.Println(err) // no trail, no session: do not unlock
		return
	}
	l.Append(audit.Event{Action: audit.ActionUnlock, Method: "passphrase"})
	if err := l.Append(audit.Event{Action: audit.ActionViewConversation, Conversation: "c1", Messages: []string{"m1"}}); err == nil {
		fmt.Println("shown:", "hello") // only now
	}
	l.Close(audit.LockManual)

	// Auditor.
	ids := []age.Identity{auditor}
	if _, err := audit.Verify(st, ids, nil); err != nil {
		fmt.Println(err)
		return
	}
	events, _ := audit.Read(st, ids, audit.Filter{Actor: "alice"})
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
