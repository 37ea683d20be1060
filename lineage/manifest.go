package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairnml/cairn/merkle"
)

// FormatV1 is the format identifier of manifest v1. Minor revisions
// ("cairn.manifest/v1.1", ...) only add optional fields; a decoder for v1
// reads them and ignores fields it does not know. Any other major version
// is rejected with ErrUnsupportedVersion.
const FormatV1 = "cairn.manifest/v1"

// formatPrefix is the part of the format identifier before the version.
const formatPrefix = "cairn.manifest/"

// MaxSafeInteger is the largest integer a manifest may hold (2^53-1), so
// that every JSON implementation reads it exactly.
const MaxSafeInteger = 1<<53 - 1

// Manifest is a dataset version: what bytes it is (the roots), where it
// came from, under what authority and licence, what it may be used for,
// which inputs and transformation produced it.
//
// Only Root, Objects, Bytes, Tree and the committed fields of each Entry
// (path, size, root, plan) are bound by the dataset root; the rest is bound
// by the signature over the manifest bytes (see Sign).
type Manifest struct {
	// Format is FormatV1.
	Format  string  `json:"format"`
	Dataset Dataset `json:"dataset"`
	// Root is the dataset root (merkle.DatasetRoot).
	Root merkle.Hash `json:"root"`
	// Objects is the number of entries.
	Objects int64 `json:"objects"`
	// Bytes is the total size of the entries.
	Bytes int64      `json:"bytes"`
	Tree  TreeParams `json:"tree"`
	// Sidecar names the leaf-hash sidecar relative to the manifest.
	Sidecar    string      `json:"sidecar,omitempty"`
	Provenance *Provenance `json:"provenance,omitempty"`
	Derivation *Derivation `json:"derivation,omitempty"`
	// Entries are sorted by path bytes, without duplicates.
	Entries []Entry `json:"entries"`
	// Schemas lists the distinct schemas of the entries, sorted by
	// fingerprint.
	Schemas []Schema `json:"schema,omitempty"`
	// Classification and Checks are open slots filled by the classify and
	// ingest packages: JSON objects stored in canonical form (keys sorted).
	Classification json.RawMessage `json:"classification,omitempty"`
	Checks         json.RawMessage `json:"checks,omitempty"`
	// Created records when and by whom the manifest was made. It is outside
	// the dataset root: two builds of the same data have the same root.
	Created Created `json:"created"`
}

// Dataset names the dataset version.
type Dataset struct {
	Name    string `json:"name,omitempty"`
	URI     string `json:"uri,omitempty"`
	Version string `json:"version,omitempty"`
}

// TreeParams are the merkle tree parameters committed in the root.
type TreeParams struct {
	// Hash names the tree construction: "blake3" (docs/FORMAT.md).
	Hash     string          `json:"hash"`
	PartSize int64           `json:"part_size"`
	Plans    []merkle.PlanID `json:"plans"`
}

// treeHash is the only TreeParams.Hash of v1.
const treeHash = "blake3"

// Params converts p to merkle parameters.
func (p TreeParams) Params() merkle.Params {
	return merkle.Params{PartSize: p.PartSize, Plans: slices.Clone(p.Plans)}
}

// Entry is one object of the dataset. Path, Size, Root and Plan are the
// cryptographic fields committed in the dataset root; Leaves is committed
// through Root. Store holds what the store reported (version, ETag,
// checksums): it is used by the metadata verification mode only and never
// trusted as a cryptographic check.
type Entry struct {
	Path    string         `json:"path"`
	Size    int64          `json:"size"`
	Root    merkle.Hash    `json:"root"`
	Plan    merkle.PlanID  `json:"plan"`
	Leaves  int64          `json:"leaves"`
	Parquet *ParquetFacts  `json:"parquet,omitempty"`
	Warning string         `json:"warning,omitempty"`
	Store   *StoreMetadata `json:"store,omitempty"`
}

// ParquetFacts are facts read from a Parquet footer.
type ParquetFacts struct {
	Rows      int64 `json:"rows"`
	RowGroups int64 `json:"row_groups"`
	Columns   int64 `json:"columns"`
	// Schema is the schema fingerprint (see docs/FORMAT.md).
	Schema merkle.Hash `json:"schema"`
}

// StoreMetadata is what the store reported about an object when the
// manifest was built. It is not cryptographic.
type StoreMetadata struct {
	VersionID string            `json:"version_id,omitempty"`
	ETag      string            `json:"etag,omitempty"`
	Checksums map[string]string `json:"checksums,omitempty"`
}

func (s *StoreMetadata) empty() bool {
	return s == nil || s.VersionID == "" && s.ETag == "" && len(s.Checksums) == 0
}

// Schema is one distinct schema and the entries that have it.
type Schema struct {
	// Fingerprint identifies the schema (for Parquet, ParquetFacts.Schema).
	Fingerprint string `json:"fingerprint"`
	// Format is the file format: "parquet", "csv", "jsonl", ...
	Format string `json:"format,omitempty"`
	// Columns are the leaf columns in schema order.
	Columns []Column `json:"columns,omitempty"`
	// Paths are the entries with this schema, sorted.
	Paths []string `json:"paths"`
}

// Column is one leaf column of a schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Derivation records what this dataset was derived from.
type Derivation struct {
	Parents   []Parent   `json:"parents,omitempty"`
	Transform *Transform `json:"transform,omitempty"`
}

// Parent is an input dataset.
type Parent struct {
	// Manifest is the digest of the parent manifest's bytes, "sha256:<hex>".
	Manifest string      `json:"manifest"`
	Root     merkle.Hash `json:"root"`
	URI      string      `json:"uri,omitempty"`
	Name     string      `json:"name,omitempty"`
}

// Transform is the code that produced the dataset from its parents.
type Transform struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Code is a digest of the code, "alg:hex" (for example a git commit as
	// "sha1:<hex>" or a container image digest).
	Code string `json:"code,omitempty"`
	// Parameters is a JSON object, stored in canonical form.
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Created records when, by whom and with what the manifest was made.
type Created struct {
	At          time.Time `json:"at"`
	By          string    `json:"by,omitempty"`
	ToolVersion string    `json:"tool_version,omitempty"`
}

// Find returns the entry with the given path, or nil.
func (m *Manifest) Find(path string) *Entry {
	i, ok := slices.BinarySearchFunc(m.Entries, path, func(e Entry, p string) int { return strings.Compare(e.Path, p) })
	if !ok {
		return nil
	}
	return &m.Entries[i]
}

// MerkleEntries returns the entries as merkle entries (committed fields
// and leaf counts only).
func (m *Manifest) MerkleEntries() []merkle.Entry {
	es := make([]merkle.Entry, len(m.Entries))
	for i, e := range m.Entries {
		es[i] = merkle.Entry{Path: e.Path, Size: e.Size, Root: e.Root, Plan: e.Plan, NumLeaves: int(e.Leaves)}
	}
	return es
}

// CheckRoot recomputes the dataset root from the entries and parameters
// and reports an error wrapping ErrRootMismatch if it is not m.Root.
func (m *Manifest) CheckRoot() error {
	d, err := merkle.NewDataset(m.Tree.Params(), m.MerkleEntries())
	if err != nil {
		return &FormatError{Field: "entries", Err: err}
	}
	if d.Root != m.Root || d.Bytes != m.Bytes || int64(len(d.Entries)) != m.Objects {
		return fmt.Errorf("%w: entries give root %s (%d objects, %d bytes), manifest says %s (%d objects, %d bytes)",
			ErrRootMismatch, d.Root, len(d.Entries), d.Bytes, m.Root, m.Objects, m.Bytes)
	}
	return nil
}

// Marshal returns the canonical encoding of m: two-space indented JSON
// with fields in a fixed order, arrays sorted, object keys of the open
// slots sorted, no HTML escaping, and a final newline. The same manifest
// always encodes to the same bytes, and each entry is its own block of
// lines so that a plain text diff of two manifests reads well. Marshal
// validates m first.
func (m *Manifest) Marshal() ([]byte, error) {
	c := *m
	c.normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("lineage: encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// normalize sorts the arrays that are sets and canonicalizes the open
// slots, so that Marshal is stable. It copies what it changes.
func (m *Manifest) normalize() {
	if m.Format == "" {
		m.Format = FormatV1
	}
	m.Entries = slices.Clone(m.Entries)
	slices.SortStableFunc(m.Entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	m.Tree.Plans = slices.Clone(m.Tree.Plans)
	slices.Sort(m.Tree.Plans)
	for i := range m.Entries {
		if m.Entries[i].Store.empty() {
			m.Entries[i].Store = nil
		}
	}
	m.Schemas = slices.Clone(m.Schemas)
	for i := range m.Schemas {
		m.Schemas[i].Paths = slices.Clone(m.Schemas[i].Paths)
		slices.Sort(m.Schemas[i].Paths)
	}
	slices.SortStableFunc(m.Schemas, func(a, b Schema) int { return strings.Compare(a.Fingerprint, b.Fingerprint) })
	if m.Provenance != nil {
		p := m.Provenance.normalized()
		m.Provenance = &p
	}
	if m.Derivation != nil {
		d := *m.Derivation
		d.Parents = slices.Clone(d.Parents)
		slices.SortStableFunc(d.Parents, func(a, b Parent) int { return strings.Compare(a.Manifest, b.Manifest) })
		if d.Transform != nil {
			t := *d.Transform
			t.Parameters = canonicalRaw(t.Parameters)
			d.Transform = &t
		}
		m.Derivation = &d
	}
	m.Classification = canonicalRaw(m.Classification)
	m.Checks = canonicalRaw(m.Checks)
	m.Created.At = m.Created.At.UTC()
}

// canonicalRaw re-encodes a JSON value with sorted object keys. Invalid
// JSON is returned unchanged (Validate reports it).
func canonicalRaw(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return r
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return r
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n"))
}

// SetClassification stores v (which must encode as a JSON object) in the
// classification slot.
func (m *Manifest) SetClassification(v any) error {
	r, err := rawObject(v)
	if err != nil {
		return fmt.Errorf("lineage: classification: %w", err)
	}
	m.Classification = r
	return nil
}

// SetChecks stores v (which must encode as a JSON object) in the checks slot.
func (m *Manifest) SetChecks(v any) error {
	r, err := rawObject(v)
	if err != nil {
		return fmt.Errorf("lineage: checks: %w", err)
	}
	m.Checks = r
	return nil
}

func rawObject(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	return canonicalRaw(b), nil
}
