package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

func TestHMAC(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 200, 295} {
		var k key
		rand.Read(k[:])
		msg := make([]byte, n)
		rand.Read(msg)
		m := hmac.New(sha256.New, k[:])
		m.Write(msg)
		if got := hmacSHA256(&k, msg); !hmac.Equal(got[:], m.Sum(nil)) {
			t.Fatalf("hmacSHA256 differs from crypto/hmac for a %d-byte message", n)
		}
	}
}
