package vault

import (
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode"
)

// Tags are the investigators' labels on messages. They are as sensitive as
// the messages (a tag name can say "insider-trading"), so they live in the
// vault like messages do: each change is a small journal file under tags/,
// age-encrypted to the vault recipient and named, with its hash, by a
// signed manifest record. Replaying the journal files in manifest order
// gives every message's tags; sessions that tag concurrently serialise on
// the vault's write lock and each sees the other's changes at its next
// load.
const recTags = "tags"

const tagsMagic = "coffer-tags-v1\n"

// TagOp is one change in the tags journal.
type TagOp struct {
	Time  time.Time `json:"time"`
	Actor string    `json:"actor"` // member name
	Add   bool      `json:"add"`
	Tag   string    `json:"tag"`
	IDs   []string  `json:"ids"`
}

// ValidTag reports why tag cannot be used, or nil: tags are non-empty, at
// most 64 characters, without spaces or control characters.
func ValidTag(tag string) error { return validName("tag", tag) }

// validName is the rule for what members name and type on a command line
// and see in a one-line pane (tags, saved searches): 1 to 64 characters,
// no spaces or control characters. what names it in the error.
func validName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty %s", what)
	case len([]rune(name)) > 64:
		return fmt.Errorf("%s longer than 64 characters", what)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%s %q has a space or control character", what, name)
		}
	}
	return nil
}

// ApplyTag adds (or removes) tag on the messages ids and records the
// change in the vault before returning. The vault must be loaded
// (Load or LoadCatalog).
func (v *Vault) ApplyTag(add bool, tag string, ids []string) error {
	if !v.opened() {
		return errNotLoaded
	}
	if err := ValidTag(tag); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	for _, id := range ids {
		if _, ok := v.Position(id); !ok {
			return fmt.Errorf("vault: no message %q", id)
		}
	}
	var written TagOp
	err := appendJournal(v, tagsJournal, func() (TagOp, error) {
		written = TagOp{Time: v.now().UTC(), Actor: v.Member.Name, Add: add, Tag: tag, IDs: ids}
		return written, nil
	})
	if err != nil {
		return err
	}
	v.applyTagOp(written)
	return nil
}

// tagsJournal is where tags are kept (journal.go).
var tagsJournal = journal{rec: recTags, dir: "tags", magic: tagsMagic, what: "tags journal"}

func (v *Vault) applyTagOp(op TagOp) {
	if v.tags == nil {
		v.tags = map[string][]string{}
	}
	for _, id := range op.IDs {
		cur := v.tags[id]
		i := sort.SearchStrings(cur, op.Tag)
		has := i < len(cur) && cur[i] == op.Tag
		switch {
		case op.Add && !has:
			cur = append(cur, "")
			copy(cur[i+1:], cur[i:])
			cur[i] = op.Tag
		case !op.Add && has:
			cur = append(cur[:i], cur[i+1:]...)
		}
		if len(cur) == 0 {
			delete(v.tags, id)
		} else {
			v.tags[id] = cur
		}
	}
}

// loadTags replays the tags journal.
func (v *Vault) loadTags() error {
	v.tags = map[string][]string{}
	return readJournal(v, tagsJournal, func(op TagOp) error {
		if ValidTag(op.Tag) != nil {
			return errors.New("holds an invalid tag")
		}
		v.applyTagOp(op)
		return nil
	})
}

// Tags returns every tagged message's tags (sorted), by message id. The
// map is shared: callers must not modify it.
func (v *Vault) Tags() map[string][]string { return v.tags }

// MessageTags returns the tags of one message.
func (v *Vault) MessageTags(id string) []string { return v.tags[id] }
