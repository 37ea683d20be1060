package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

// MaxManifestSize bounds the size of a manifest this package reads.
const MaxManifestSize = 1 << 30

// ParseManifest decodes and validates a manifest. It rejects, with a
// *FormatError naming the field: invalid or truncated JSON, duplicate
// keys, unknown fields (in FormatV1 itself; minor revisions v1.N may add
// fields, which are ignored), values of the wrong type, integers not below
// 2^53, an unknown format version (wrapping ErrUnsupportedVersion), and
// every rule of Validate. It does not check the root against the entries
// (see CheckRoot): a manifest with an edited root is well-formed but fails
// verification.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fieldErr("manifest", "", "%d bytes, over the %d-byte limit", len(data), MaxManifestSize)
	}
	if !utf8.Valid(data) {
		return nil, fieldErr("manifest", "", "not valid UTF-8")
	}
	// The format first, so a future version is reported as such rather than
	// as a pile of unknown fields.
	strict := true
	if !json.Valid(data) {
		// Locate and explain the syntax error.
		if err := strictCheck("manifest", data, nil, false); err != nil {
			return nil, err
		}
		return nil, fieldErr("manifest", "", "invalid JSON")
	}
	var head struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fieldErr("manifest", "format", "want a string")
	}
	if head.Format == nil {
		return nil, fieldErr("manifest", "format", "missing (want %q)", FormatV1)
	}
	minor, err := checkFormat(*head.Format)
	if err != nil {
		return nil, &FormatError{Doc: "manifest", Field: "format", Offset: -1, Err: err}
	}
	strict = minor == 0
	if err := strictCheck("manifest", data, reflect.TypeFor[Manifest](), strict); err != nil {
		return nil, err
	}
	m := new(Manifest)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, &FormatError{Doc: "manifest", Offset: -1, Err: err}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkFormat parses a format identifier and returns its minor version.
func checkFormat(f string) (minor int, err error) {
	rest, ok := strings.CutPrefix(f, formatPrefix)
	if !ok {
		return 0, fmt.Errorf("%q is not a cairn manifest format (want %q)", f, FormatV1)
	}
	major, min, hasMinor := strings.Cut(rest, ".")
	if major != "v1" {
		return 0, fmt.Errorf("%w: %q (this version of cairn reads %s)", ErrUnsupportedVersion, f, FormatV1)
	}
	if hasMinor {
		n, err := strconv.Atoi(min)
		if err != nil || n < 0 || strconv.Itoa(n) != min {
			return 0, fmt.Errorf("%q: malformed minor version", f)
		}
		return n, nil
	}
	return 0, nil
}

var (
	digestRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*:[0-9a-f]{16,128}$`)
	sha256RE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Validate checks the rules of manifest v1 that JSON types do not express,
// and returns a *FormatError naming the first field that breaks one:
// entries sorted by valid, unique paths; sizes, counts and leaf counts in
// range; known tree parameters; valid provenance, derivation, schemas and
// open slots. Whether objects, bytes and root agree with the entries is an
// integrity question, answered by CheckRoot.
func (m *Manifest) Validate() error {
	bad := func(field, format string, args ...any) error { return fieldErr("manifest", field, format, args...) }
	if _, err := checkFormat(m.Format); err != nil {
		return &FormatError{Doc: "manifest", Field: "format", Offset: -1, Err: err}
	}
	if m.Tree.Hash != treeHash {
		return bad("tree.hash", "unknown tree hash %q (want %q)", m.Tree.Hash, treeHash)
	}
	if err := m.Tree.Params().Validate(); err != nil {
		return bad("tree", "%v", err)
	}
	if err := checkSize(m.Objects); err != nil {
		return bad("objects", "%v", err)
	}
	if err := checkSize(m.Bytes); err != nil {
		return bad("bytes", "%v", err)
	}
	if m.Sidecar != "" && (strings.ContainsAny(m.Sidecar, `/\`) || m.Sidecar == "." || m.Sidecar == ".." || !utf8.ValidString(m.Sidecar)) {
		return bad("sidecar", "%q is not a plain file name", m.Sidecar)
	}
	var total int64
	for i := range m.Entries {
		e := &m.Entries[i]
		f := "entries[" + strconv.Itoa(i) + "]"
		if err := store.ValidKey(e.Path); err != nil {
			return bad(f+".path", "%q: %v", e.Path, err)
		}
		if i > 0 {
			switch c := strings.Compare(m.Entries[i-1].Path, e.Path); {
			case c == 0:
				return bad(f+".path", "duplicate path %q", e.Path)
			case c > 0:
				return bad(f+".path", "%q is out of order (entries are sorted by path bytes)", e.Path)
			}
		}
		if err := checkSize(e.Size); err != nil {
			return bad(f+".size", "%v", err)
		}
		if !slices.Contains(m.Tree.Plans, e.Plan) {
			return bad(f+".plan", "plan %q is not one of the tree's plans %q", e.Plan, m.Tree.Plans)
		}
		if e.Leaves < 0 || e.Leaves > e.Size || (e.Size > 0 && e.Leaves == 0) {
			return bad(f+".leaves", "%d leaves for %d bytes", e.Leaves, e.Size)
		}
		if min := (e.Size + m.Tree.PartSize - 1) / m.Tree.PartSize; e.Leaves < min {
			return bad(f+".leaves", "%d leaves cannot cover %d bytes in parts of at most %d", e.Leaves, e.Size, m.Tree.PartSize)
		}
		if p := e.Parquet; p != nil {
			if e.Plan != merkle.PlanParquet {
				return bad(f+".parquet", "Parquet facts on an entry with plan %q", e.Plan)
			}
			if err := checkSize(p.Rows); err != nil {
				return bad(f+".parquet.rows", "%v", err)
			}
			if err := checkSize(p.RowGroups); err != nil {
				return bad(f+".parquet.row_groups", "%v", err)
			}
			if err := checkSize(p.Columns); err != nil {
				return bad(f+".parquet.columns", "%v", err)
			}
		}
		if s := e.Store; s != nil {
			for k := range s.Checksums {
				if k == "" {
					return bad(f+".store.checksums", "empty algorithm name")
				}
			}
		}
		total += e.Size
		if total > MaxSafeInteger {
			return bad(f+".size", "total bytes exceed 2^53-1")
		}
	}
	if m.Provenance != nil {
		if err := m.Provenance.validate("manifest", "provenance."); err != nil {
			return err
		}
	}
	if d := m.Derivation; d != nil {
		for i, p := range d.Parents {
			f := "derivation.parents[" + strconv.Itoa(i) + "]"
			if !sha256RE.MatchString(p.Manifest) {
				return bad(f+".manifest", "%q is not a manifest digest \"sha256:<64 hex digits>\"", p.Manifest)
			}
			if i > 0 && d.Parents[i-1].Manifest >= p.Manifest {
				return bad(f+".manifest", "parents are not sorted by manifest digest, or repeat one")
			}
		}
		if t := d.Transform; t != nil {
			if strings.TrimSpace(t.Name) == "" {
				return bad("derivation.transform.name", "empty")
			}
			if t.Code != "" && !digestRE.MatchString(t.Code) {
				return bad("derivation.transform.code", "%q is not a digest \"alg:hex\"", t.Code)
			}
			if err := checkObject(t.Parameters); err != nil {
				return bad("derivation.transform.parameters", "%v", err)
			}
		}
	}
	schemaOf := make(map[string]string)
	for i, s := range m.Schemas {
		f := "schema[" + strconv.Itoa(i) + "]"
		if s.Fingerprint == "" {
			return bad(f+".fingerprint", "empty")
		}
		if i > 0 && m.Schemas[i-1].Fingerprint >= s.Fingerprint {
			return bad(f+".fingerprint", "schemas are not sorted by fingerprint, or repeat one")
		}
		for j, p := range s.Paths {
			if m.Find(p) == nil {
				return bad(f+".paths["+strconv.Itoa(j)+"]", "%q is not an entry", p)
			}
			if other, ok := schemaOf[p]; ok {
				return bad(f+".paths["+strconv.Itoa(j)+"]", "%q already has schema %s", p, other)
			}
			schemaOf[p] = s.Fingerprint
		}
	}
	if err := checkObject(m.Classification); err != nil {
		return bad("classification", "%v", err)
	}
	if err := checkObject(m.Checks); err != nil {
		return bad("checks", "%v", err)
	}
	if m.Created.At.IsZero() {
		return bad("created.at", "missing")
	}
	return nil
}

func checkSize(n int64) error {
	if n < 0 {
		return fmt.Errorf("negative (%d)", n)
	}
	if n > MaxSafeInteger {
		return fmt.Errorf("%d is not below 2^53", n)
	}
	return nil
}

// checkObject reports whether r is empty or a JSON object.
func checkObject(r json.RawMessage) error {
	if len(r) == 0 {
		return nil
	}
	t := bytes.TrimSpace(r)
	if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return fmt.Errorf("want a JSON object")
	}
	return nil
}
