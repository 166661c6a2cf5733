package vault

// Reading the catalogs of the index files in use (LoadCatalog): each
// file checked and decrypted by parts, its catalog decoded, and the
// entries ordered as Load orders messages.

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"slices"
	"strings"

	"filippo.io/age"
)

// indexFile is an index file checked against the manifest, open for
// reading its plaintext by ranges, with its catalog trailer read.
type indexFile struct {
	read                 func(off, n int64) ([]byte, error)
	entries, tables, end int64 // where the catalog's parts begin, and its end
	n                    int   // entries
	ok                   bool  // it has a catalog
}

// openIndexFile reads index file e into buf (see readChecked) and reads
// its catalog trailer: the last chunk of the age file is decrypted, the
// rest as read asks. It returns buf, perhaps grown.
func (v *Vault) openIndexFile(e *FileEntry, buf []byte) (*indexFile, []byte, error) {
	id, ct, buf, err := v.readKeyed(e, buf)
	if err != nil {
		return nil, buf, err
	}
	r, size, err := age.DecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), id)
	if err != nil {
		return nil, buf, tamper(e.Name, "cannot be decrypted: %v", err)
	}
	f := &indexFile{read: func(off, n int64) ([]byte, error) {
		b := make([]byte, n)
		if m, err := r.ReadAt(b, off); int64(m) != n || err != nil && err != io.EOF {
			clear(b)
			return nil, tamper(e.Name, "cannot be decrypted: %v", cmp.Or(err, io.ErrUnexpectedEOF))
		}
		return b, nil
	}}
	if size < int64(catalogTrailer) {
		return f, buf, nil
	}
	t, err := f.read(size-int64(catalogTrailer), int64(catalogTrailer))
	if err != nil {
		return nil, buf, err
	}
	f.entries, f.tables, f.end, f.n, f.ok, err = catalogTrailerOf(t, size)
	clear(t)
	if err != nil {
		return nil, buf, tamper(e.Name, "%v", err)
	}
	return f, buf, nil
}

// catalogParts is an index file's catalog: its entries and its tables,
// each in a buffer of its own.
type catalogParts struct {
	entries, tables []byte
	n               int
}

// readIndexFile reads index file i (checked against the manifest, into
// buf, a worker's) and decrypts its parts into buffers of their own: the
// engine's index, kept; the catalog's entries, dropped once decoded; its
// tables, kept. It returns buf.
func (z *lazy) readIndexFile(v *Vault, i int, buf []byte) ([]byte, error) {
	e := z.ixFiles[i]
	f, buf, err := v.openIndexFile(e, buf)
	if err != nil {
		return buf, err
	}
	if !f.ok {
		return buf, ErrNoCatalog
	}
	es, ts, end, n := f.entries, f.tables, f.end, f.n
	read := f.read
	p := catalogParts{n: n}
	if z.ixIndex[i], err = read(0, es); err != nil {
		return buf, err
	}
	if p.entries, err = read(es, ts-es); err != nil {
		return buf, err
	}
	if p.tables, err = read(ts, end-ts); err != nil {
		return buf, err
	}
	z.ixCat[i] = p
	return buf, nil
}

// load reads and decrypts the index files, on every core, decoding
// each file's catalog as soon as it is read (its entries are then
// wiped: only the tables and the engine's index are kept), then orders
// the messages as Load does and drops copies.
func (z *lazy) load(v *Vault, segIdx map[string]uint32, progress func(Progress)) error {
	n := len(z.ixFiles)
	z.ixIndex = make([][]byte, n)
	z.ixCat = make([]catalogParts, n)
	first := make([]int, n+1) // position of each file's first entry
	for i, e := range z.ixFiles {
		want := 0
		for _, name := range e.Covers {
			want += z.segFiles[segIdx[name]].Messages
		}
		first[i+1] = first[i] + want
	}
	total := first[n]
	ids := make([][16]byte, total)
	ns := make([]int64, total)
	untimed := make([]bool, total)
	src, snd, cnv := make([]uint32, total), make([]uint32, total), make([]uint32, total)
	more := make([]uint32, total)
	for i, e := range z.ixFiles {
		p := first[i]
		for _, name := range e.Covers {
			z.segStart = append(z.segStart, p)
			z.segOf = append(z.segOf, segIdx[name])
			p += z.segFiles[segIdx[name]].Messages
		}
	}
	tables := make([]*catalogTables, n)
	extras := make([][]catalogExtra, n)

	decode := func(i int) error {
		f, c := z.ixFiles[i], &z.ixCat[i]
		defer func() { // decoded (or not): only the tables are kept
			clear(c.entries)
			c.entries = nil
		}()
		if c.n != first[i+1]-first[i] || f.Messages != 0 && c.n != f.Messages {
			return tamper(f.Name, "%v: %d entries for the %d messages of the segments it covers", errCatalog, c.n, first[i+1]-first[i])
		}
		t, err := decodeCatalogTables(c.tables)
		if err != nil {
			return tamper(f.Name, "%v: tables: %v", errCatalog, err)
		}
		tables[i] = t
		var e catalogEntry
		d := &decoder{buf: c.entries}
		p := first[i]
		for _, name := range f.Covers {
			for range z.segFiles[segIdx[name]].Messages {
				if err := d.catalogEntry(&e, t); err != nil {
					return tamper(f.Name, "%v: entry %d: %v", errCatalog, p-first[i]+1, err)
				}
				ids[p], ns[p], untimed[p] = e.raw, e.ns, !e.timed
				src[p], snd[p], cnv[p] = e.source, e.sender, e.conv // this file's: made the vault's below
				if !e.isRaw || e.to != nil || e.attach != nil || e.replyTo != "" || e.origID != "" {
					// Copied: the entries' buffer is wiped once decoded.
					extras[i] = append(extras[i], catalogExtra{id: strings.Clone(e.id), to: cloneAll(e.to), attach: cloneAll(e.attach),
						replyTo: strings.Clone(e.replyTo), origID: strings.Clone(e.origID)})
					more[p] = uint32(len(extras[i])) // made the vault's below
				}
				p++
			}
		}
		if d.off != len(d.buf) {
			return tamper(f.Name, "%v: bytes after the last entry", errCatalog)
		}
		return nil
	}
	// Progress counts index files (Segments) and their bytes.
	errs := eachFile(v.st, z.ixFiles, StageCatalogs, progress, func(i int) int { return first[i+1] - first[i] }, func(i int, buf []byte) ([]byte, error) {
		buf, err := z.readIndexFile(v, i, buf)
		if err == nil {
			err = decode(i)
		}
		return buf, err
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, t := range tables {
		so, se, co := uint32(len(z.sources)), uint32(len(z.senders)), uint32(len(z.convs))
		base := uint32(len(z.extras))
		z.sources = append(z.sources, t.sources...)
		z.senders = append(z.senders, t.senders...)
		z.convs = append(z.convs, t.convs...)
		z.extras = append(z.extras, extras[i]...)
		for p := first[i]; p < first[i+1]; p++ {
			src[p] += so
			snd[p] += se
			cnv[p] += co
			if more[p] != 0 {
				more[p] += base
			}
		}
	}
	z.ids, z.ns, z.untimed, z.source, z.sender, z.conv, z.more = ids, ns, untimed, src, snd, cnv, more

	// Load's order: by time, no time last, ties by id; one of each id.
	perm := z.timeOrder()
	ordOf := make([]uint32, total)
	kept := perm[:0]
	for _, q := range perm {
		if len(kept) > 0 && z.cmpID(kept[len(kept)-1], q) == 0 {
			ordOf[q] = uint32(len(kept) - 1)
			continue
		}
		ordOf[q] = uint32(len(kept))
		kept = append(kept, q)
	}
	z.order, z.ordOf = slices.Clip(kept), ordOf
	z.ixOrds = make([][]uint32, n)
	for i := range n {
		z.ixOrds[i] = z.ordOf[first[i]:first[i+1]:first[i+1]]
	}
	return nil
}

func cloneAll(in []string) []string {
	for i, s := range in {
		in[i] = strings.Clone(s)
	}
	return in
}

// timeOrder returns the positions of the entries in Load's order:
// sorted by time (a radix sort: the comparison sort was a quarter of a
// one-shot search at 1M), then equal times by id.
func (z *lazy) timeOrder() []uint32 {
	n := len(z.ns)
	keys := make([]uint64, n)
	sorted := true
	for p := range keys {
		keys[p] = uint64(z.ns[p]) ^ 1<<63
		if z.untimed[p] {
			keys[p] = ^uint64(0)
		}
		sorted = sorted && (p == 0 || keys[p-1] <= keys[p])
	}
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	if !sorted {
		perm = radixSort(perm, keys)
	}
	// Ties: equal keys by (no time last, id).
	for lo := 0; lo < n; {
		hi := lo + 1
		k := keys[perm[lo]]
		for hi < n && keys[perm[hi]] == k {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(perm[lo:hi], func(a, b uint32) int {
				if z.untimed[a] != z.untimed[b] {
					if z.untimed[a] {
						return 1
					}
					return -1
				}
				return z.cmpID(a, b)
			})
		}
		lo = hi
	}
	return perm
}

// radixSort sorts perm (positions into keys) by key, stably, 16 bits a
// pass, skipping the passes where every key has the same digit.
func radixSort(perm []uint32, keys []uint64) []uint32 {
	tmp := make([]uint32, len(perm))
	var count [1 << 16]int
	for shift := 0; shift < 64; shift += 16 {
		clear(count[:])
		for _, p := range perm {
			count[(keys[p]>>shift)&0xffff]++
		}
		if count[(keys[perm[0]]>>shift)&0xffff] == len(perm) {
			continue
		}
		sum := 0
		for i := range count {
			count[i], sum = sum, sum+count[i]
		}
		for _, p := range perm {
			d := (keys[p] >> shift) & 0xffff
			tmp[count[d]] = p
			count[d]++
		}
		perm, tmp = tmp, perm
	}
	return perm
}
