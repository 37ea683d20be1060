package check

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// WriteJSON writes the report as indented JSON (the shape documented for
// `cairn check --format json`).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// maxListed bounds the quarantined rows listed in Markdown and HTML.
const maxListed = 200

func fmtP(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.3g", *p)
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

// WriteMarkdown writes the report for people: verdict, findings, and the
// first quarantined rows.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# cairn check: %s\n\n", r.Verdict)
	fmt.Fprintf(&b, "%d batch rows checked against a reference of %d rows (seed %d). %d findings, %d rows to quarantine.\n\n",
		r.Rows, r.ReferenceRows, r.Seed, len(r.Findings), len(r.Quarantine))
	if len(r.Findings) > 0 {
		b.WriteString("## Findings\n\n| severity | check | column | statistic | threshold | p-value | effect | rows | what to do |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			col := f.Column
			if f.Label != "" {
				col += " / label " + f.Label
			}
			if f.Token != "" {
				col += " / token `" + f.Token + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.4g | %.4g | %s | %s | %d | %s |\n", f.Severity, f.Check, mdEscape(col),
				f.Statistic, f.Threshold, fmtP(f.PValue), fmtP(f.EffectSize), f.Rows, mdEscape(f.Message))
		}
		b.WriteString("\n")
	}
	if len(r.Quarantine) > 0 {
		b.WriteString("## Quarantine\n\n| path | row | reasons |\n|---|---|---|\n")
		for i, q := range r.Quarantine {
			if i == maxListed {
				fmt.Fprintf(&b, "\n… and %d more rows (use --format json for the full list).\n", len(r.Quarantine)-maxListed)
				break
			}
			fmt.Fprintf(&b, "| %s | %d | %s |\n", mdEscape(q.Path), q.Row, strings.Join(q.Reasons, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// svgHistogram draws a reference-vs-batch histogram as inline SVG.
func svgHistogram(h Histogram) template.HTML {
	const W, H, pad = 480.0, 200.0, 30.0
	top := 0.0
	for i := range h.Reference {
		top = math.Max(top, math.Max(h.Reference[i], h.Batch[i]))
	}
	if top == 0 {
		top = 1
	}
	n := float64(len(h.Reference))
	bw := (W - 2*pad) / n
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" role="img" aria-label="histogram of %s">`, W, H+pad, template.HTMLEscapeString(h.Column))
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#444"/>`, pad, H, W-pad, H)
	for i := range h.Reference {
		x := pad + float64(i)*bw
		rh := (H - pad) * h.Reference[i] / top
		bh := (H - pad) * h.Batch[i] / top
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#4c78a8" fill-opacity="0.55"/>`, x, H-rh, bw, rh)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f58518" fill-opacity="0.55"/>`, x, H-bh, bw, bh)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11">%.4g</text>`, pad, H+14, h.Edges[0])
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" text-anchor="end">%.4g</text>`, W-pad, H+14, h.Edges[len(h.Edges)-1])
	fmt.Fprintf(&b, `<rect x="%g" y="4" width="10" height="10" fill="#4c78a8"/><text x="%g" y="13" font-size="11">reference</text>`, W-150, W-136)
	fmt.Fprintf(&b, `<rect x="%g" y="18" width="10" height="10" fill="#f58518"/><text x="%g" y="27" font-size="11">batch</text>`, W-150, W-136)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"p": fmtP, "svg": svgHistogram,
	"more": func(q []QuarantinedRow) int { return len(q) - maxListed },
	"head": func(q []QuarantinedRow) []QuarantinedRow { return q[:min(len(q), maxListed)] },
	"join": strings.Join,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cairn check: {{.Verdict}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;font-size:.9em}
th{background:#f3f3f3}.critical{color:#b00020;font-weight:bold}.warn{color:#a35c00}.info{color:#555}
.verdict-quarantine{background:#b00020}.verdict-warn{background:#a35c00}.verdict-pass{background:#2e7d32}
.badge{color:#fff;padding:.2em .6em;border-radius:.3em}figure{display:inline-block;margin:0 1em 1em 0}
</style></head><body>
<h1>cairn check <span class="badge verdict-{{.Verdict}}">{{.Verdict}}</span></h1>
<p>{{.Rows}} batch rows checked against a reference of {{.ReferenceRows}} rows (seed {{.Seed}}); {{len .Findings}} findings; {{len .Quarantine}} rows to quarantine.</p>
{{if .Findings}}<h2>Findings</h2>
<table><tr><th>severity</th><th>check</th><th>column</th><th>label</th><th>token</th><th>statistic</th><th>threshold</th><th>p-value</th><th>effect</th><th>n batch / reference</th><th>rows</th><th>what to do</th></tr>
{{range .Findings}}<tr><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Check}}</td><td>{{.Column}}</td><td>{{.Label}}</td><td>{{.Token}}</td><td>{{printf "%.4g" .Statistic}}</td><td>{{printf "%.4g" .Threshold}}</td><td>{{p .PValue}}</td><td title="{{.Effect}}">{{p .EffectSize}}</td><td>{{.BatchN}} / {{.ReferenceN}}</td><td>{{.Rows}}</td><td>{{.Message}}</td></tr>
{{end}}</table>{{end}}
{{if .Histograms}}<h2>Drifted columns</h2>
{{range .Histograms}}<figure>{{svg .}}<figcaption>{{.Column}}: share of values per bin</figcaption></figure>
{{end}}{{end}}
{{if .Quarantine}}<h2>Quarantine</h2>
<table><tr><th>path</th><th>row</th><th>reasons</th></tr>
{{range head .Quarantine}}<tr><td>{{.Path}}</td><td>{{.Row}}</td><td>{{join .Reasons ", "}}</td></tr>
{{end}}</table>{{if gt (more .Quarantine) 0}}<p>… and {{more .Quarantine}} more rows (see the JSON report).</p>{{end}}{{end}}
</body></html>
`))

// WriteHTML writes a self-contained HTML page: findings, an inline SVG
// histogram (reference vs batch) per drifted numeric column, and the first
// quarantined rows.
func (r *Report) WriteHTML(w io.Writer) error { return htmlPage.Execute(w, r) }
