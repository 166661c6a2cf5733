package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Maildir is a maildir folder (cur/, new/ and tmp/ holding one message
// per file), with any Maildir++ subfolders (".Sent", ".Archive.2019")
// inside it. Messages in tmp/ are still being delivered and are left out.
var Maildir = Format{
	Name:   "maildir",
	Detect: mailIsMaildir,
	Parse:  parseMaildir,
}

// mailIsMaildir reports whether path is a folder holding cur/ and new/.
func mailIsMaildir(path string) bool {
	for _, sub := range []string{"cur", "new"} {
		st, err := os.Stat(filepath.Join(path, sub))
		if err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

func parseMaildir(path string, opt Options, emit Emit) error {
	opt = opt.resolved()
	root := filepath.Base(filepath.Clean(path))
	folders := []string{""}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("%s: %w", root, err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") && mailIsMaildir(filepath.Join(path, e.Name())) {
			folders = append(folders, e.Name())
		}
	}
	n := 0
	for _, folder := range folders {
		for _, sub := range []string{"cur", "new"} {
			dir := filepath.Join(path, folder, sub)
			files, err := os.ReadDir(dir)
			if err != nil {
				return fmt.Errorf("%s: %w", filepath.Join(root, folder, sub), err)
			}
			// Maildir names start with the delivery time, so name order is
			// close to arrival order, and it is stable across imports.
			sort.Slice(files, func(i, j int) bool { return files[i].Name() < files[j].Name() })
			for _, f := range files {
				if !f.Type().IsRegular() || strings.HasPrefix(f.Name(), ".") {
					continue
				}
				n++
				rel := filepath.ToSlash(filepath.Join(root, folder, sub, f.Name()))
				if err := mailMaildirMessage(filepath.Join(dir, f.Name()), rel, folder, n, opt, emit); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func mailMaildirMessage(path, rel, folder string, n int, opt Options, emit Emit) error {
	sum, err := HashFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	f, err := opt.open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	defer f.Close()
	raw, size, err := mailReadCapped(f, MaxEmailBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	src := emailSource{format: "maildir", file: rel, fileSHA256: sum,
		position: fmt.Sprintf("message %d", n), extra: map[string]string{}}
	if size > int64(len(raw)) {
		src.size = size
	}
	// The ":2,FLAGS" suffix records what the owner did with the message
	// (S seen, R replied, F flagged, T trashed, D draft): evidence a
	// reviewer may need.
	if i := strings.LastIndex(filepath.Base(path), ":2,"); i >= 0 {
		src.extra["X-Maildir-Flags"] = filepath.Base(path)[i+3:]
	}
	if folder != "" {
		src.extra["X-Maildir-Folder"] = strings.TrimPrefix(folder, ".")
	}
	return emitEmail(raw, src, opt, emit)
}
