package ingest

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeBigSMS writes a deterministic backup of n messages: mostly SMS,
// every tenth a group MMS with a 16 KiB photo part, as phone backups are.
func writeBigSMS(tb testing.TB, n int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "sms-20240721100000.xml")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	photo := make([]byte, 16<<10)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	data := base64.StdEncoding.EncodeToString(photo)
	fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"%d\" backup_set=\"x\" backup_date=\"1721556032311\" type=\"full\">\n", n)
	for i := 0; i < n; i++ {
		date := 1700000000000 + int64(i)*61000
		who := fmt.Sprintf("+4477009%05d", i%50)
		if i%10 == 9 {
			fmt.Fprintf(w, `  <mms date="%d" ct_t="application/vnd.wap.multipart.related" msg_box="%d" address="%s~+447700999999" sub="null" read="1" contact_name="Person %d, Someone Else">
    <parts>
      <part seq="-1" ct="application/smil" name="null" chset="null" cl="smil.xml" text="&lt;smil&gt;&lt;/smil&gt;" />
      <part seq="0" ct="text/plain" name="null" chset="106" cl="text_0.txt" text="photo %d from the trip &#55357;&#56832;" />
      <part seq="1" ct="image/jpeg" name="IMG_%04d.jpg" cl="IMG_%04d.jpg" data="%s" />
    </parts>
    <addrs>
      <addr address="%s" type="137" charset="106" />
      <addr address="+447700900000" type="151" charset="106" />
      <addr address="+447700999999" type="151" charset="106" />
    </addrs>
  </mms>
`, date, 1+i%2, who, i%50, i, i, i, data, who)
			continue
		}
		fmt.Fprintf(w, `  <sms protocol="0" address="%s" date="%d" type="%d" subject="null" body="message %d: the quick brown fox jumps over the lazy dog &amp; keeps running" toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="x" contact_name="Person %d" />
`, who, date, 1+i%2, i, i%50)
	}
	fmt.Fprint(w, "</smses>\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return p, st.Size()
}

func BenchmarkSMS(b *testing.B) {
	importGC(b)
	const n = 50000
	p, size := writeBigSMS(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		got := 0
		if err := SMS.Parse(p, Options{}, func(*vaultMessage) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("got %d messages", got)
		}
	}
	cpu.report(b, size)
	reportChatHeap(b)
}
