package ingest

import (
	"bytes"
	"sync"

	"coffer/vault"
)

// The mbox pipeline: one goroutine reads messages in file order, workers
// convert them (MIME parsing is nearly all of an import's CPU), and the
// calling goroutine emits the results in file order:
//
//	reader --jobs--> workers (convert) --done--> emitter (file order)
//	   \------------- queue (file order) -------/
//
// Read-ahead is bounded twice: by the queue's length and by the raw
// bytes in flight (mboxInFlight), so memory stays flat however large the
// mailbox, and a message larger than the budget goes through alone.

// mboxMaxWorkers bounds the converting goroutines.
const mboxMaxWorkers = 8

// mboxInFlight bounds the raw message bytes read but not yet emitted.
const mboxInFlight = 32 << 20

type mboxJob struct {
	raw  []byte
	src  emailSource
	err  error // a read error: the import ends here
	done chan mboxResult
}

type mboxResult struct {
	m   *vault.Message
	err error
}

func (r *mboxReader) pipeline(env mboxFragment, name, fileSum string, opt Options, emit Emit, workers int) error {
	var (
		queue  = make(chan *mboxJob, 2*workers)
		jobs   = make(chan *mboxJob)
		stop   = make(chan struct{})
		budget = newMboxBudget(mboxInFlight)
		wg     sync.WaitGroup
	)
	now, loc := opt.now(), opt.location()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				m, err := mailConvert(j.raw, j.src, now, loc)
				j.done <- mboxResult{m, err} // buffered: never blocks
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(queue)
		defer close(jobs)
		var buf []byte
		for {
			raw, src, next, err := r.read(env, buf, name, fileSum)
			buf = raw
			j := &mboxJob{src: src, err: err, done: make(chan mboxResult, 1)}
			if err == nil {
				// The reader's buffer is reused for the next message,
				// unless it is large: then it is handed over, not copied.
				if cap(raw) > mboxInFlight {
					j.raw, buf = raw, nil
				} else {
					j.raw = bytes.Clone(raw)
				}
				if !budget.acquire(int64(len(j.raw))) {
					return
				}
			}
			select {
			case queue <- j:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
			select {
			case jobs <- j:
			case <-stop:
				return
			}
			if next == nil {
				return
			}
			env = *next
		}
	}()
	// finish stops the reader and workers and waits for them, so nothing
	// touches the input after ReadMbox returns.
	finish := func(err error) error {
		close(stop)
		budget.stop()
		wg.Wait()
		return err
	}
	for j := range queue {
		if j.err != nil {
			return finish(j.err)
		}
		res := <-j.done
		budget.release(int64(len(j.raw)))
		if res.err != nil {
			if err := opt.skip(mailError(j.src, res.err)); err != nil {
				return finish(err)
			}
			continue
		}
		if err := emit(res.m); err != nil {
			return finish(err)
		}
	}
	wg.Wait()
	return nil
}

// mboxBudget is a byte semaphore. A request larger than the whole budget
// is granted when nothing else is held.
type mboxBudget struct {
	mu      sync.Mutex
	cond    *sync.Cond
	used    int64
	limit   int64
	stopped bool
}

func newMboxBudget(limit int64) *mboxBudget {
	b := &mboxBudget{limit: limit}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits for n bytes; false means the pipeline is stopping.
func (b *mboxBudget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.limit && !b.stopped {
		b.cond.Wait()
	}
	if b.stopped {
		return false
	}
	b.used += n
	return true
}

func (b *mboxBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *mboxBudget) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	b.cond.Broadcast()
}
