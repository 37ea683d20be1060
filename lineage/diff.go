package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnml/cairn/merkle"
)

// Diff is the review diff of two manifests, in the order a reviewer needs
// it: policy (authority, licences, uses, sources, sensitivity), schema,
// transformation, content, checks. Empty sections are nil. Its JSON form
// is stable: every list is sorted.
type Diff struct {
	Old Side `json:"old"`
	New Side `json:"new"`
	// Dataset lists changes of the dataset's name, URI or version.
	Dataset        []Change     `json:"dataset,omitempty"`
	Policy         []Change     `json:"policy,omitempty"`
	Schema         []Change     `json:"schema,omitempty"`
	Transformation []Change     `json:"transformation,omitempty"`
	Content        *ContentDiff `json:"content,omitempty"`
	Checks         []Change     `json:"checks,omitempty"`
}

// Side identifies one of the two manifests.
type Side struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	Root    string `json:"root"`
	Objects int64  `json:"objects"`
	Bytes   int64  `json:"bytes"`
	// Rows is the total of the Parquet entries' row counts, and
	// ParquetObjects the number of Parquet entries (rows of other files
	// are not known to the manifest).
	Rows           int64 `json:"rows"`
	ParquetObjects int64 `json:"parquet_objects"`
}

// Change is one change of a field. For a set-valued field (licences,
// uses, sources, columns) each element added or removed is its own
// Change.
type Change struct {
	// Field names what changed, such as "authority.basis" or "licenses".
	Field string `json:"field"`
	// Op is "added", "removed" or "changed".
	Op  string `json:"op"`
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// Change operations.
const (
	OpAdded   = "added"
	OpRemoved = "removed"
	OpChanged = "changed"
)

// ContentDiff is the change of the dataset's objects.
type ContentDiff struct {
	RootChanged   bool `json:"root_changed"`
	ParamsChanged bool `json:"params_changed,omitempty"`
	// Added, Removed, Modified and Renamed are sorted by path (Renamed by
	// new path). An object removed under one path and added under another
	// with the same object root is a rename.
	Added     []ObjectChange `json:"added,omitempty"`
	Removed   []ObjectChange `json:"removed,omitempty"`
	Modified  []ObjectChange `json:"modified,omitempty"`
	Renamed   []Rename       `json:"renamed,omitempty"`
	Unchanged int64          `json:"unchanged"`
	// BytesDelta and RowsDelta are new minus old totals (rows of Parquet
	// entries).
	BytesDelta int64 `json:"bytes_delta"`
	RowsDelta  int64 `json:"rows_delta"`
}

// ObjectChange is an object added, removed or modified. Rows are Parquet
// row counts, -1 when unknown (not Parquet, or the side that lacks the
// object); sizes of the side that lacks the object are 0.
type ObjectChange struct {
	Path    string `json:"path"`
	OldSize int64  `json:"old_size"`
	NewSize int64  `json:"new_size"`
	OldRows int64  `json:"old_rows"`
	NewRows int64  `json:"new_rows"`
	// SizeDelta is NewSize - OldSize: the whole size of an added object,
	// minus the whole size of a removed one.
	SizeDelta int64 `json:"size_delta"`
	// RowsDelta is NewRows - OldRows when both are known (a Parquet
	// object modified into a Parquet object); nil otherwise.
	RowsDelta *int64 `json:"rows_delta,omitempty"`
}

// objectChange returns the change of an object from a to b; a nil side
// lacks the object.
func objectChange(a, b *Entry) ObjectChange {
	c := ObjectChange{OldRows: rowsOf(a), NewRows: rowsOf(b)}
	if a != nil {
		c.Path, c.OldSize = a.Path, a.Size
	}
	if b != nil {
		c.Path, c.NewSize = b.Path, b.Size
	}
	c.SizeDelta = c.NewSize - c.OldSize
	if c.OldRows >= 0 && c.NewRows >= 0 {
		d := c.NewRows - c.OldRows
		c.RowsDelta = &d
	}
	return c
}

// Rename is an object moved without changing its bytes.
type Rename struct {
	From string `json:"from"`
	To   string `json:"to"`
	Size int64  `json:"size"`
	// Rows is the Parquet row count of the object, nil if it is not
	// Parquet.
	Rows *int64 `json:"rows,omitempty"`
}

// Empty reports whether the two manifests describe the same dataset with
// the same policy, schema, derivation and checks (their creation times
// and store metadata are not compared).
func (d *Diff) Empty() bool {
	return len(d.Dataset) == 0 && len(d.Policy) == 0 && len(d.Schema) == 0 && len(d.Transformation) == 0 &&
		d.Content == nil && len(d.Checks) == 0
}

// DiffManifests compares two manifests.
func DiffManifests(old, new *Manifest) *Diff {
	d := &Diff{Old: side(old), New: side(new)}
	d.Dataset = diffFields(nil, "", map[string][2]string{
		"name":    {old.Dataset.Name, new.Dataset.Name},
		"uri":     {old.Dataset.URI, new.Dataset.URI},
		"version": {old.Dataset.Version, new.Dataset.Version},
	})
	d.Policy = diffPolicy(old, new)
	d.Schema = diffSchema(old, new)
	d.Transformation = diffDerivation(old.Derivation, new.Derivation)
	d.Content = diffContent(old, new)
	d.Checks = diffChecks(old.Checks, new.Checks)
	return d
}

func side(m *Manifest) Side {
	s := Side{Name: m.Dataset.Name, Version: m.Dataset.Version, Root: m.Root.String(), Objects: m.Objects, Bytes: m.Bytes}
	for _, e := range m.Entries {
		if e.Parquet != nil {
			s.Rows += e.Parquet.Rows
			s.ParquetObjects++
		}
	}
	return s
}

// diffFields compares named scalar fields, appending changes in field order.
func diffFields(cs []Change, prefix string, fields map[string][2]string) []Change {
	for _, k := range sortedKeys(fields) {
		v := fields[k]
		switch {
		case v[0] == v[1]:
		case v[0] == "":
			cs = append(cs, Change{Field: prefix + k, Op: OpAdded, New: v[1]})
		case v[1] == "":
			cs = append(cs, Change{Field: prefix + k, Op: OpRemoved, Old: v[0]})
		default:
			cs = append(cs, Change{Field: prefix + k, Op: OpChanged, Old: v[0], New: v[1]})
		}
	}
	return cs
}

// diffSet compares two sets of strings.
func diffSet(cs []Change, field string, old, new []string) []Change {
	o, n := setOf(old), setOf(new)
	for _, v := range sortedKeys(n) {
		if !o[v] {
			cs = append(cs, Change{Field: field, Op: OpAdded, New: v})
		}
	}
	for _, v := range sortedKeys(o) {
		if !n[v] {
			cs = append(cs, Change{Field: field, Op: OpRemoved, Old: v})
		}
	}
	return cs
}

func setOf(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func diffPolicy(om, nm *Manifest) []Change {
	var o, n Provenance
	if om.Provenance != nil {
		o = *om.Provenance
	}
	if nm.Provenance != nil {
		n = *nm.Provenance
	}
	var oa, na Authority
	if o.Authority != nil {
		oa = *o.Authority
	}
	if n.Authority != nil {
		na = *n.Authority
	}
	var cs []Change
	cs = diffFields(cs, "authority.", map[string][2]string{
		"basis":        {oa.Basis, na.Basis},
		"instrument":   {oa.Instrument, na.Instrument},
		"jurisdiction": {oa.Jurisdiction, na.Jurisdiction},
		"evidence":     {oa.Evidence, na.Evidence},
	})
	cs = diffSet(cs, "licenses", o.Licenses, n.Licenses)
	cs = diffSet(cs, "permitted_uses", o.PermittedUses, n.PermittedUses)
	cs = diffSet(cs, "prohibited_uses", o.ProhibitedUses, n.ProhibitedUses)
	// Sources by URI; a changed digest or retrieval date is a change.
	os, ns := map[string]Source{}, map[string]Source{}
	for _, s := range o.Sources {
		os[s.URI] = s
	}
	for _, s := range n.Sources {
		ns[s.URI] = s
	}
	for _, u := range sortedKeys(ns) {
		if _, ok := os[u]; !ok {
			cs = append(cs, Change{Field: "sources", Op: OpAdded, New: u})
		}
	}
	for _, u := range sortedKeys(os) {
		s, ok := ns[u]
		if !ok {
			cs = append(cs, Change{Field: "sources", Op: OpRemoved, Old: u})
			continue
		}
		cs = diffFields(cs, "sources["+u+"].", map[string][2]string{
			"digest":       {os[u].Digest, s.Digest},
			"retrieved_at": {os[u].RetrievedAt, s.RetrievedAt},
		})
	}
	var ot, nt Timeframe
	if o.Timeframe != nil {
		ot = *o.Timeframe
	}
	if n.Timeframe != nil {
		nt = *n.Timeframe
	}
	cs = diffFields(cs, "", map[string][2]string{
		"collected_by":    {o.CollectedBy, n.CollectedBy},
		"method":          {o.Method, n.Method},
		"timeframe.start": {ot.Start, nt.Start},
		"timeframe.end":   {ot.End, nt.End},
	})
	cs = append(cs, diffSensitivity(om.Classification, nm.Classification)...)
	return cs
}

// classificationShape is the part of a classify report (the
// classification slot) the diff reads.
type classificationShape struct {
	Columns []struct {
		Path   string `json:"path"`
		Column string `json:"column"`
		Types  []struct {
			Type string `json:"type"`
		} `json:"types"`
	} `json:"columns"`
}

// diffSensitivity compares the sensitive types found per column
// ("path: column"); a slot of another shape is compared as flattened JSON.
func diffSensitivity(old, new json.RawMessage) []Change {
	if bytes.Equal(old, new) {
		return nil
	}
	o, ok1 := sensitiveSets(old)
	n, ok2 := sensitiveSets(new)
	if !ok1 || !ok2 {
		return diffRaw("classification", old, new)
	}
	var cs []Change
	for _, k := range sortedKeys(n) {
		if _, ok := o[k]; !ok {
			for _, t := range n[k] {
				cs = append(cs, Change{Field: "sensitivity[" + k + "]", Op: OpAdded, New: t})
			}
			continue
		}
		cs = diffSet(cs, "sensitivity["+k+"]", o[k], n[k])
	}
	for _, k := range sortedKeys(o) {
		if _, ok := n[k]; !ok {
			for _, t := range o[k] {
				cs = append(cs, Change{Field: "sensitivity[" + k + "]", Op: OpRemoved, Old: t})
			}
		}
	}
	return cs
}

func sensitiveSets(r json.RawMessage) (map[string][]string, bool) {
	m := map[string][]string{}
	if len(r) == 0 {
		return m, true
	}
	var c classificationShape
	if err := json.Unmarshal(r, &c); err != nil {
		return nil, false
	}
	for _, col := range c.Columns {
		k := col.Path + ": " + col.Column
		for _, t := range col.Types {
			m[k] = append(m[k], t.Type)
		}
		slices.Sort(m[k])
	}
	return m, true
}

// diffRaw compares two open JSON slots as flattened "a.b[0].c" = value pairs.
func diffRaw(field string, old, new json.RawMessage) []Change {
	o, n := map[string]string{}, map[string]string{}
	flatten(o, field, old)
	flatten(n, field, new)
	pairs := map[string][2]string{}
	for k, v := range o {
		pairs[k] = [2]string{v, n[k]}
	}
	for k, v := range n {
		pairs[k] = [2]string{o[k], v}
	}
	return diffFields(nil, "", pairs)
}

func flatten(out map[string]string, prefix string, r json.RawMessage) {
	if len(r) == 0 {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		out[prefix] = string(r)
		return
	}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(p+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(p+"["+strconv.Itoa(i)+"]", c)
			}
		case nil:
			out[p] = "null"
		default:
			out[p] = fmt.Sprint(x)
		}
	}
	walk(prefix, v)
}

func diffSchema(om, nm *Manifest) []Change {
	cols := func(m *Manifest) (map[string]string, []string) {
		types := map[string]string{}
		var fps []string
		for _, s := range m.Schemas {
			fps = append(fps, s.Fingerprint)
			for _, c := range s.Columns {
				types[c.Name] = c.Type
			}
		}
		return types, fps
	}
	ot, ofp := cols(om)
	nt, nfp := cols(nm)
	var cs []Change
	cs = diffSet(cs, "columns", sortedKeys(ot), sortedKeys(nt))
	for _, c := range sortedKeys(nt) {
		if t, ok := ot[c]; ok && t != nt[c] {
			cs = append(cs, Change{Field: "columns[" + c + "].type", Op: OpChanged, Old: t, New: nt[c]})
		}
	}
	if len(cs) == 0 && !slices.Equal(ofp, nfp) {
		cs = diffSet(cs, "fingerprints", ofp, nfp)
	}
	return cs
}

func diffDerivation(o, n *Derivation) []Change {
	if o == nil {
		o = &Derivation{}
	}
	if n == nil {
		n = &Derivation{}
	}
	var cs []Change
	label := func(p Parent) string {
		s := p.Manifest
		if p.Name != "" {
			s = p.Name + " (" + p.Manifest + ")"
		} else if p.URI != "" {
			s = p.URI + " (" + p.Manifest + ")"
		}
		return s
	}
	var op, np []string
	for _, p := range o.Parents {
		op = append(op, label(p))
	}
	for _, p := range n.Parents {
		np = append(np, label(p))
	}
	cs = diffSet(cs, "parents", op, np)
	var ot, nt Transform
	if o.Transform != nil {
		ot = *o.Transform
	}
	if n.Transform != nil {
		nt = *n.Transform
	}
	cs = diffFields(cs, "transform.", map[string][2]string{
		"name":    {ot.Name, nt.Name},
		"version": {ot.Version, nt.Version},
		"code":    {ot.Code, nt.Code},
	})
	if !bytes.Equal(ot.Parameters, nt.Parameters) {
		cs = append(cs, diffRaw("transform.parameters", ot.Parameters, nt.Parameters)...)
	}
	return cs
}

func rowsOf(e *Entry) int64 {
	if e == nil || e.Parquet == nil {
		return -1
	}
	return e.Parquet.Rows
}

func diffContent(om, nm *Manifest) *ContentDiff {
	c := &ContentDiff{
		RootChanged:   om.Root != nm.Root,
		ParamsChanged: om.Tree.PartSize != nm.Tree.PartSize || !slices.Equal(om.Tree.Plans, nm.Tree.Plans),
		BytesDelta:    nm.Bytes - om.Bytes,
	}
	var added, removed []*Entry
	i, j := 0, 0
	for i < len(om.Entries) || j < len(nm.Entries) {
		switch {
		case j == len(nm.Entries) || i < len(om.Entries) && om.Entries[i].Path < nm.Entries[j].Path:
			removed = append(removed, &om.Entries[i])
			i++
		case i == len(om.Entries) || nm.Entries[j].Path < om.Entries[i].Path:
			added = append(added, &nm.Entries[j])
			j++
		default:
			a, b := &om.Entries[i], &nm.Entries[j]
			if a.Root != b.Root || a.Size != b.Size || a.Plan != b.Plan {
				c.Modified = append(c.Modified, objectChange(a, b))
			} else {
				c.Unchanged++
			}
			i++
			j++
		}
	}
	// Renames: a removed and an added object with the same root and size,
	// paired in path order.
	byRoot := map[merkle.Hash][]*Entry{}
	for _, e := range removed {
		byRoot[e.Root] = append(byRoot[e.Root], e)
	}
	renamedFrom := map[string]bool{}
	for _, e := range added {
		cands := byRoot[e.Root]
		k := slices.IndexFunc(cands, func(x *Entry) bool { return x.Size == e.Size && !renamedFrom[x.Path] })
		if k < 0 {
			c.Added = append(c.Added, objectChange(nil, e))
			continue
		}
		renamedFrom[cands[k].Path] = true
		rn := Rename{From: cands[k].Path, To: e.Path, Size: e.Size}
		if rows := rowsOf(e); rows >= 0 {
			rn.Rows = &rows
		}
		c.Renamed = append(c.Renamed, rn)
	}
	for _, e := range removed {
		if !renamedFrom[e.Path] {
			c.Removed = append(c.Removed, objectChange(e, nil))
		}
	}
	or, nr := totalParquetRows(om), totalParquetRows(nm)
	c.RowsDelta = nr - or
	if !c.RootChanged && !c.ParamsChanged && len(c.Added)+len(c.Removed)+len(c.Modified)+len(c.Renamed) == 0 {
		return nil
	}
	return c
}

func totalParquetRows(m *Manifest) int64 {
	var n int64
	for _, e := range m.Entries {
		if e.Parquet != nil {
			n += e.Parquet.Rows
		}
	}
	return n
}

// checksShape is the part of an ingest check report (the checks slot) the
// diff reads.
type checksShape struct {
	Verdict  string `json:"verdict"`
	Findings []struct {
		Check    string `json:"check"`
		Column   string `json:"column"`
		Severity string `json:"severity"`
	} `json:"findings"`
	Quarantine []json.RawMessage `json:"quarantine"`
}

func diffChecks(old, new json.RawMessage) []Change {
	if bytes.Equal(old, new) {
		return nil
	}
	var o, n checksShape
	e1 := json.Unmarshal(orEmpty(old), &o)
	e2 := json.Unmarshal(orEmpty(new), &n)
	if e1 != nil || e2 != nil || (o.Verdict == "" && len(old) > 0) || (n.Verdict == "" && len(new) > 0) {
		return diffRaw("checks", old, new)
	}
	var cs []Change
	cs = diffFields(cs, "", map[string][2]string{"verdict": {o.Verdict, n.Verdict}})
	label := func(s checksShape) []string {
		var ls []string
		for _, f := range s.Findings {
			l := f.Severity + " " + f.Check
			if f.Column != "" {
				l += " on " + f.Column
			}
			ls = append(ls, l)
		}
		return ls
	}
	cs = diffSet(cs, "findings", label(o), label(n))
	if len(o.Quarantine) != len(n.Quarantine) {
		cs = append(cs, Change{Field: "quarantined_rows", Op: OpChanged, Old: strconv.Itoa(len(o.Quarantine)), New: strconv.Itoa(len(n.Quarantine))})
	}
	return cs
}

func orEmpty(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("{}")
	}
	return r
}

// JSON returns the diff as indented JSON with a final newline.
func (d *Diff) JSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(d) // only strings, integers and slices: cannot fail
	return buf.Bytes()
}

// foldAt is how many items of a list are shown before the rest are folded.
const foldAt = 10

// policyNames are the headings of policy fields in the rendered diff.
var policyNames = map[string]string{
	"authority.basis":        "Authority basis",
	"authority.instrument":   "Authority instrument",
	"authority.jurisdiction": "Jurisdiction",
	"authority.evidence":     "Authority evidence",
	"licenses":               "Licences",
	"permitted_uses":         "Permitted uses",
	"prohibited_uses":        "Prohibited uses",
	"sources":                "Sources",
	"collected_by":           "Collected by",
	"method":                 "Collection method",
	"timeframe.start":        "Timeframe start",
	"timeframe.end":          "Timeframe end",
	"name":                   "Name",
	"uri":                    "URI",
	"version":                "Version",
	"parents":                "Parents",
	"transform.name":         "Transform",
	"transform.version":      "Transform version",
	"transform.code":         "Transform code",
	"columns":                "Columns",
	"fingerprints":           "Schema fingerprints",
	"verdict":                "Verdict",
	"findings":               "Findings",
	"quarantined_rows":       "Quarantined rows",
}

// fieldName is the heading of field f; text renders the parts that come
// from the manifests (column names, source URIs, parameter keys), which
// are the whole of an unknown field.
func fieldName(f string, text func(string) string) string {
	if n, ok := policyNames[f]; ok {
		return n
	}
	if k, ok := strings.CutPrefix(f, "sensitivity["); ok {
		return "Sensitive data in " + text(strings.TrimSuffix(k, "]"))
	}
	return text(f)
}
