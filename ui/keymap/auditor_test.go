package keymap_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"coffer/ui/keymap"
)

// TestAuditorKeys: on the auditor's screen no key does two things, and
// its help lists every binding of the screen (those of the filter box
// aside, where letters are text).
func TestAuditorKeys(t *testing.T) {
	a := keymap.Default().Auditor()
	seen := map[string]string{}
	var listed []string
	for _, group := range a.FullHelp() {
		for _, b := range group {
			listed = append(listed, strings.Join(b.Keys(), " "))
			for _, k := range b.Keys() {
				if prev, ok := seen[k]; ok {
					t.Errorf("%q is bound to %q and %q", k, prev, b.Help().Desc)
				}
				seen[k] = b.Help().Desc
			}
		}
	}
	v := reflect.ValueOf(a)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		b, ok := v.Field(i).Interface().(key.Binding)
		if !ok || name == "Keep" || name == "Clear" {
			continue
		}
		if !slices.Contains(listed, strings.Join(b.Keys(), " ")) {
			t.Errorf("%s (%s) is not in the help", name, b.Help().Key)
		}
	}
}
