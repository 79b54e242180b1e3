package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// CSVReader streams a CSV file's records as maps from column name to value,
// whatever the separator (sniffed among ; # , and tab), encoding (UTF-8 with
// or without BOM, or Windows-1250 as older city registers write it) and
// duplicated column names (the second "cecha" becomes "cecha_2").
type CSVReader struct {
	r      *csv.Reader
	header []string
	line   int
	Sep    rune
	CP1250 bool
}

// NewCSVReader reads the header of a CSV stream.
func NewCSVReader(src io.Reader) (*CSVReader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	head, _ := br.Peek(64 << 10)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(mustPeek(br, 3), []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := &CSVReader{}
	var text io.Reader = br
	// A file that is not valid UTF-8 in its first 64 KiB is read as
	// Windows-1250 (the encoding of Polish registers exported from Excel).
	sample := head
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 {
		sample = sample[:i]
	}
	if !utf8.Valid(sample) {
		cr.CP1250 = true
		text = transform.NewReader(br, charmap.Windows1250.NewDecoder())
	}
	firstLine := head
	if i := bytes.IndexByte(firstLine, '\n'); i >= 0 {
		firstLine = firstLine[:i]
	}
	cr.Sep = sniffSeparator(string(firstLine))
	r := csv.NewReader(text)
	r.Comma = cr.Sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	cr.r = r
	h, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	cr.line = 1
	seen := map[string]int{}
	for _, name := range h {
		name = strings.TrimSpace(strings.Trim(name, "\ufeff"))
		seen[name]++
		if seen[name] > 1 {
			name = fmt.Sprintf("%s_%d", name, seen[name])
		}
		cr.header = append(cr.header, name)
	}
	return cr, nil
}

func mustPeek(br *bufio.Reader, n int) []byte {
	b, _ := br.Peek(n)
	return b
}

// sniffSeparator picks the separator that splits the header line most.
func sniffSeparator(line string) rune {
	best, bestN := ';', 0
	for _, sep := range []rune{';', '#', ',', '\t'} {
		if n := strings.Count(line, string(sep)); n > bestN {
			best, bestN = sep, n
		}
	}
	return best
}

// Header is the column names, duplicates numbered.
func (c *CSVReader) Header() []string { return c.header }

// Has reports whether a column exists.
func (c *CSVReader) Has(name string) bool {
	for _, h := range c.header {
		if h == name {
			return true
		}
	}
	return false
}

// Next returns the next record and its line number (the header is line 1),
// or io.EOF.
func (c *CSVReader) Next() (map[string]string, int, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	c.line++
	if err != nil {
		return nil, c.line, fmt.Errorf("line %d: %w", c.line, err)
	}
	if line, _ := c.r.FieldPos(0); line > 0 {
		c.line = line
	}
	out := make(map[string]string, len(c.header))
	for i, name := range c.header {
		if i < len(rec) {
			out[name] = strings.TrimSpace(rec[i])
		}
	}
	if len(rec) > len(c.header) {
		return out, c.line, fmt.Errorf("line %d has %d fields, the header %d", c.line, len(rec), len(c.header))
	}
	return out, c.line, nil
}

// parseDecimal reads a number with a decimal point or comma.
func parseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", ""))
	s = strings.ReplaceAll(s, " ", "")
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return strconv.ParseFloat(s, 64)
}
