package corpus

import (
	"fmt"
	"os"
	"path/filepath"
)

// slackChannels are the channels of WriteSlack's workspace.
var slackChannels = []string{"general", "random", "dev"}

// WriteSlack writes a Slack workspace export into dir: users.json,
// channels.json, and for each of three channels a day file a day of
// perDay messages each, with mentions, links, threads and files. It
// stops between days (a day file in every channel), so the files for a
// number of days are the same whatever the Limit, and returns the number
// of messages and the bytes of all files.
func WriteSlack(dir string, perDay int, lim Limit) (int, int64, error) {
	if err := lim.check(); err != nil {
		return 0, 0, err
	}
	if perDay <= 0 {
		return 0, 0, fmt.Errorf("corpus: slack: %d messages per day", perDay)
	}
	var size int64
	write := func(name string, fill func(*output)) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("corpus: slack: %w", err)
		}
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("corpus: slack: %w", err)
		}
		out := newOutput(f)
		fill(out)
		size += out.size()
		err = out.done()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("corpus: slack: %w", err)
		}
		return nil
	}
	err := write("users.json", func(w *output) {
		fmt.Fprint(w, "[")
		for u := 0; u < 20; u++ {
			if u > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":"U%03d","name":"user%d","real_name":"User Number %d","tz_offset":3600,"profile":{"real_name":"User Number %d"}}`, u, u, u, u)
		}
		fmt.Fprint(w, "]")
	})
	if err != nil {
		return 0, size, err
	}
	err = write("channels.json", func(w *output) {
		fmt.Fprint(w, `[{"id":"C0","name":"general","members":["U000","U001"]},{"id":"C1","name":"random","members":["U002"]},{"id":"C2","name":"dev","members":["U003"]}]`)
	})
	if err != nil {
		return 0, size, err
	}
	n := 0
	for d := 0; !lim.reached(n, size); d++ {
		for c, ch := range slackChannels {
			if err := write(fmt.Sprintf("%s/%s.json", ch, slackDay(d)), func(w *output) { slackDayFile(w, c, d, perDay) }); err != nil {
				return n, size, err
			}
			n += perDay
		}
	}
	return n, size, nil
}

// slackDay names day d of the export: 28-day months, from 2024-01-01.
// Slack names day files by date only, so days past 12 × 28 would repeat
// a name: they go on in the following years.
func slackDay(d int) string {
	return fmt.Sprintf("%04d-%02d-%02d", 2024+d/(12*28), 1+d/28%12, 1+d%28)
}

// slackDayFile writes day d of channel c.
func slackDayFile(w *output, c, d, perDay int) {
	fmt.Fprint(w, "[\n")
	for i := 0; i < perDay; i++ {
		if i > 0 {
			fmt.Fprint(w, ",\n")
		}
		ts := fmt.Sprintf("%d.%06d", 1704067200+c*1000+d*86400+i*13, i)
		fmt.Fprintf(w, "    {\n        \"client_msg_id\": \"%08x-0000-4000-8000-%012x\",\n        \"type\": \"message\",\n        \"text\": \"message %d from <@U%03d> about the plan, see <https://example.com/%d|the doc> and tell me what you think\",\n        \"user\": \"U%03d\",\n        \"ts\": \"%s\"", i, d, i, i%20, i, (i+1)%20, ts)
		if i%5 == 1 {
			fmt.Fprintf(w, ",\n        \"thread_ts\": \"%d.%06d\"", 1704067200+c*1000+d*86400+(i-1)*13, i-1)
		}
		if i%9 == 2 {
			fmt.Fprint(w, ",\n        \"files\": [{\"id\": \"F1\", \"name\": \"report.pdf\", \"mimetype\": \"application/pdf\", \"size\": 12345}]")
		}
		fmt.Fprint(w, ",\n        \"blocks\": [{\"type\": \"rich_text\", \"block_id\": \"x\", \"elements\": [{\"type\": \"rich_text_section\", \"elements\": [{\"type\": \"text\", \"text\": \"message\"}]}]}],\n        \"team\": \"T1\"\n    }")
	}
	fmt.Fprint(w, "\n]\n")
}
