//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// reviewOpen is the child process of BenchmarkScale's review rows: what
// `coffer review` does between the key and a usable screen, in the
// order ui/app.go and the browse page do it, through the same calls:
// unlock, the vault from its catalogs (or whole), every segment's hash,
// the conversation list (recorded), then the search index and a first
// query. It prints the seconds to the list and to search ready; the
// parent measures the process (wall, CPU, peak RSS). TestMain runs it
// when COFFER_REVIEW_OPEN names the vault, COFFER_REVIEW_KEY the
// identity file.
func reviewOpen(dir, keyFile string) error {
	debug.SetGCPercent(25) // as reviewCommand sets it
	start := time.Now()
	ids, err := readIdentities("--identity", keyFile, memberKeyHint)
	if err != nil {
		return err
	}
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return err
	}
	g, err := access.Open(dir, m, index.Engine{Location: time.Local}) // the TUI's engine
	if err != nil {
		return err
	}
	s, err := g.Unlock(vault.Key{Identities: ids})
	if err != nil {
		return err
	}
	defer s.Lock(audit.LockExit)
	if err := s.LoadCatalog(nil); err != nil {
		return err
	}
	loaded := time.Since(start)
	var checked time.Duration
	done := make(chan error, 1)
	go func() { // beside the list's making, as ui/app.go runs it
		err := s.CheckSegments(nil)
		checked = time.Since(start)
		done <- err
	}()
	d, err := s.Conversations()
	if err != nil {
		return err
	}
	if err := <-done; err != nil {
		return err
	}
	listed := time.Since(start)
	if err := s.OpenIndex(nil); err != nil {
		return err
	}
	if err := s.WaitIndex(context.Background()); err != nil {
		return err
	}
	res, err := s.Search(context.Background(), "the", access.Request{Sort: access.Newest, Limit: 50}, false)
	if err != nil {
		return err
	}
	fmt.Printf("conversations %d listed_s %.2f search_ready_s %.2f hits %d catalogued %v (catalogs read %.2f s, segments hashed %.2f s)\n",
		len(d.Convs), listed.Seconds(), time.Since(start).Seconds(), res.Total, s.Catalogued(), loaded.Seconds(), checked.Seconds())
	// Then, with COFFER_REVIEW_QUERIES ("|" between queries), each query
	// as the TUI runs it (newest 50, recorded), 20 times, and the last
	// with facets: wall milliseconds, first run, p50 and p99 of the rest.
	if qs := os.Getenv("COFFER_REVIEW_QUERIES"); qs != "" {
		for _, q := range strings.Split(qs, "|") {
			for _, facets := range []bool{false, true} {
				var ms []float64
				for i := 0; i < 21 && (i < 3 || ms[0] < 2000); i++ { // 3 runs of a query over 2 s
					t := time.Now()
					if _, err := s.Search(context.Background(), q, access.Request{Sort: access.Newest, Limit: 50, Facets: facets}, false); err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
					ms = append(ms, float64(time.Since(t).Microseconds())/1000)
				}
				rest := slices.Clone(ms[1:])
				slices.Sort(rest)
				fmt.Printf("query %q facets %v: first %.1f ms, p50 %.1f, p99 %.1f\n", q, facets, ms[0], rest[len(rest)/2], rest[len(rest)-1])
			}
		}
	}
	return nil
}

func init() {
	if dir := os.Getenv("COFFER_REVIEW_OPEN"); dir != "" {
		if err := reviewOpen(dir, os.Getenv("COFFER_REVIEW_KEY")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}
