package vault

import (
	"runtime"
	"sync"

	"coffer/vault/store"
)

// eachFile calls do for every file of files, on every core, each worker
// handing do a buffer of its own (do returns it, perhaps grown), and
// reports progress (of stage) after each file: files and bytes done, and the
// messages counted(i) says file i held (read after do). It returns each
// file's error. Load, LoadCatalog and CheckSegments read their files so.
// On object storage a worker mostly waits for the store's answer, so
// there are more workers than cores (readers).
func eachFile(st store.Store, files []*FileEntry, stage Stage, progress func(Progress), counted func(i int) int, do func(i int, buf []byte) ([]byte, error)) []error {
	errs := make([]error, len(files))
	var (
		mu   sync.Mutex
		done = Progress{Stage: stage, TotalSegments: len(files)}
		wg   sync.WaitGroup
	)
	for _, e := range files {
		done.TotalBytes += e.Size
	}
	work := make(chan int)
	for range min(readers(st), max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range work {
				buf, errs[i] = do(i, buf)
				mu.Lock()
				done.Segments++
				done.Bytes += files[i].Size
				done.Messages += counted(i)
				p := done
				mu.Unlock()
				if progress != nil {
					progress(p)
				}
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	return errs
}

// readers is how many files eachFile reads at once from st: one per core
// from a folder; from object storage, where each read waits on a request,
// four per core up to 16 (each holds a file's buffer).
func readers(st store.Store) int {
	n := runtime.GOMAXPROCS(0)
	if st.Shared() {
		n = min(4*n, 16)
	}
	return n
}
