package corpus

import (
	"encoding/base64"
	"fmt"
	"io"
)

// SMSName is a file name SMS Backup & Restore gives a backup.
const SMSName = "sms-20240721100000.xml"

// smsAverage is about the bytes one message of WriteSMS takes, averaged
// over its cycle of ten: the count the root element announces when only
// a byte size is asked for (importers do not trust it anyway).
const smsAverage = 2500

// WriteSMS writes an SMS Backup & Restore file: mostly SMS, every tenth
// a group MMS with a 16 KiB photo part, as phone backups are. It returns
// the number of messages in it.
func WriteSMS(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	photo := make([]byte, 16<<10)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	data := base64.StdEncoding.EncodeToString(photo)
	count := lim.Messages
	if count <= 0 || lim.Bytes > 0 && int64(count) > lim.Bytes/smsAverage {
		count = int(lim.Bytes / smsAverage)
	}
	fmt.Fprintf(out, "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"%d\" backup_set=\"x\" backup_date=\"1721556032311\" type=\"full\">\n", count)
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		i := n
		date := 1700000000000 + int64(i)*61000
		who := fmt.Sprintf("+4477009%05d", i%50)
		if i%10 == 9 {
			fmt.Fprintf(out, `  <mms date="%d" ct_t="application/vnd.wap.multipart.related" msg_box="%d" address="%s~+447700999999" sub="null" read="1" contact_name="Person %d, Someone Else">
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
		fmt.Fprintf(out, `  <sms protocol="0" address="%s" date="%d" type="%d" subject="null" body="message %d: the quick brown fox jumps over the lazy dog &amp; keeps running" toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="x" contact_name="Person %d" />
`, who, date, 1+i%2, i, i%50)
	}
	fmt.Fprint(out, "</smses>\n")
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: sms: %w", err)
	}
	return n, nil
}
