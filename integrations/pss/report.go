package pss

import (
	"fmt"
	"strings"
)

// Count says what an import did with one kind of record.
type Count struct {
	Created   int
	Updated   int
	Unchanged int
}

func (c Count) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged", c.Created, c.Updated, c.Unchanged)
}

func (c *Count) add(created, changed bool) {
	switch {
	case created:
		c.Created++
	case changed:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// Problem is one bad record of an import file, addressed by its JSON position, e.g.
// "bookings[3].passengers[1].type".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Report is the outcome of an import. When Problems is not empty nothing was written
// and the counts are zero.
type Report struct {
	Airlines   Count
	Flights    Count
	Bookings   Count
	Passengers Count
	Segments   Count
	CheckIns   Count
	Problems   []Problem
}

// String renders the report for a terminal: one line per kind of record, or the
// problems, one per line.
func (r Report) String() string {
	var b strings.Builder
	if len(r.Problems) > 0 {
		fmt.Fprintf(&b, "%d problem(s), nothing imported:\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		return b.String()
	}
	for _, l := range []struct {
		name string
		c    Count
	}{
		{"airlines", r.Airlines}, {"flights", r.Flights}, {"bookings", r.Bookings},
		{"passengers", r.Passengers}, {"segments", r.Segments}, {"check-ins", r.CheckIns},
	} {
		fmt.Fprintf(&b, "%-11s %s\n", l.name+":", l.c)
	}
	return b.String()
}

// problems collects Problems while a file is checked.
type problems []Problem

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func at(path string, parts ...any) string {
	var b strings.Builder
	b.WriteString(path)
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}
