package api

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
)

// diagramSVG draws a flow's Mermaid state diagram (the same text the README and
// the golden files show) as an SVG, server side, so that the console needs no
// diagram library: states in layers by their distance from the start, arrows
// between them, the event names as tooltips and labels. States in linked become
// links to their texts on the page.
func diagramSVG(mermaid string, linked map[string]string) template.HTML {
	type edge struct{ from, to, event string }
	var edges []edge
	start := ""
	for _, line := range strings.Split(mermaid, "\n") {
		line = strings.TrimSpace(line)
		from, rest, ok := strings.Cut(line, " --> ")
		if !ok {
			continue
		}
		to, event, _ := strings.Cut(rest, ": ")
		if from == "[*]" {
			start = to
			continue
		}
		edges = append(edges, edge{from, strings.TrimSpace(to), strings.TrimSpace(event)})
	}
	if start == "" {
		return ""
	}
	layer := map[string]int{start: 0}
	queue := []string{start}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.from == s {
				if _, seen := layer[e.to]; !seen {
					layer[e.to] = layer[s] + 1
					queue = append(queue, e.to)
				}
			}
		}
	}
	rows := map[int][]string{}
	depth := 0
	for s, l := range layer {
		rows[l] = append(rows[l], s)
		depth = max(depth, l)
	}
	const boxW, boxH, gapX, gapY, pad = 150, 30, 20, 56, 16
	widest := 0
	for l := range rows {
		sort.Strings(rows[l])
		widest = max(widest, len(rows[l]))
	}
	width := pad*2 + widest*boxW + (widest-1)*gapX
	height := pad*2 + (depth+1)*boxH + depth*gapY
	pos := map[string][2]int{}
	for l, states := range rows {
		rowW := len(states)*boxW + (len(states)-1)*gapX
		x0 := (width - rowW) / 2
		for i, s := range states {
			pos[s] = [2]int{x0 + i*(boxW+gapX), pad + l*(boxH+gapY)}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 %d %d" width="%d" role="img" aria-labelledby="diagram-title">`, width, height, width)
	b.WriteString(`<title id="diagram-title">State diagram</title>`)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>`)
	esc := template.HTMLEscapeString
	for _, e := range edges {
		p, okp := pos[e.from]
		q, okq := pos[e.to]
		if !okp || !okq {
			continue
		}
		if e.from == e.to {
			x, y := p[0]+boxW, p[1]+boxH/2
			fmt.Fprintf(&b, `<path class="edge" d="M%d,%d c18,-18 18,18 0,6" fill="none" marker-end="url(#arrow)"><title>%s</title></path>`, x, y-6, esc(e.event))
			continue
		}
		x1, y1 := p[0]+boxW/2, p[1]+boxH
		x2, y2 := q[0]+boxW/2, q[1]
		if layer[e.to] <= layer[e.from] {
			// Back or sideways: around the boxes' side.
			x1, y1 = p[0], p[1]+boxH/2
			x2, y2 = q[0], q[1]+boxH/2
			fmt.Fprintf(&b, `<path class="edge back" d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" marker-end="url(#arrow)"><title>%s</title></path>`,
				x1, y1, x1-40, y1, x2-40, y2, x2, y2, esc(e.from+" → "+e.to+": "+e.event))
			continue
		}
		fmt.Fprintf(&b, `<line class="edge" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"><title>%s</title></line>`,
			x1, y1, x2, y2, esc(e.from+" → "+e.to+": "+e.event))
		fmt.Fprintf(&b, `<text class="event" x="%d" y="%d">%s</text>`, (x1+x2)/2+4, (y1+y2)/2+4, esc(e.event))
	}
	states := make([]string, 0, len(pos))
	for s := range pos {
		states = append(states, s)
	}
	sort.Strings(states)
	for _, s := range states {
		p := pos[s]
		box := fmt.Sprintf(`<rect class="state" x="%d" y="%d" width="%d" height="%d" rx="6"/><text class="name" x="%d" y="%d">%s</text>`,
			p[0], p[1], boxW, boxH, p[0]+boxW/2, p[1]+boxH/2+5, esc(s))
		if href, ok := linked[s]; ok {
			fmt.Fprintf(&b, `<a href="%s" class="state-link">%s</a>`, esc(href), box)
		} else {
			b.WriteString(box)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every piece of text above is escaped
}
