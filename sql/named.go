package sql

import (
	"fmt"
	"io/fs"
	"strings"
)

// Named splits a file of several statements, each introduced by a line
// "-- name: NAME", into a map from name to statement. Text before the first
// marker (a header comment) is ignored.
func Named(fsys fs.FS, file string) (map[string]string, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	out := map[string]string{}
	var name string
	var cur strings.Builder
	flush := func() {
		if name != "" {
			out[name] = strings.TrimSpace(cur.String())
		}
		cur.Reset()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("%s: statement %q defined twice", file, name)
			}
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return out, nil
}

// MustNamed is Named for files embedded in the binary, whose text is fixed
// at build time (a failure is a programming error caught by every test).
func MustNamed(fsys fs.FS, file string) map[string]string {
	m, err := Named(fsys, file)
	if err != nil {
		panic(err)
	}
	return m
}
