package store

import "os"

// namedScratch makes a file in dir and removes its name at once (a
// crash in between leaves an empty file that Verify reports as unknown).
func namedScratch(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".coffer-scratch-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
