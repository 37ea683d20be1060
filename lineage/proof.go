package lineage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/cairnml/cairn/merkle"
)

// ProofFormat is the format identifier of an inclusion proof.
const ProofFormat = "cairn.proof/v1"

// ErrProofFailed reports an inclusion proof that does not lead to the
// expected root.
var ErrProofFailed = errors.New("inclusion proof does not verify")

// InclusionProof proves that an object (path, size, object root, leaf
// plan) is an entry of the dataset with a given root. It is checkable with
// the dataset root alone: the tree parameters, object count and total
// bytes it carries are committed in that root, so a proof that lies about
// them does not verify.
type InclusionProof struct {
	Format string `json:"format"`
	// Root is the dataset root the proof leads to.
	Root    merkle.Hash  `json:"root"`
	Tree    TreeParams   `json:"tree"`
	Objects int64        `json:"objects"`
	Bytes   int64        `json:"bytes"`
	Entry   ProofEntry   `json:"entry"`
	Proof   merkle.Proof `json:"proof"`
}

// ProofEntry is the committed part of an entry.
type ProofEntry struct {
	Path string        `json:"path"`
	Size int64         `json:"size"`
	Root merkle.Hash   `json:"root"`
	Plan merkle.PlanID `json:"plan"`
}

// Prove returns the inclusion proof of the entry at path in m. It fails if
// m's root does not match its entries.
func Prove(m *Manifest, path string) (*InclusionProof, error) {
	if err := m.CheckRoot(); err != nil {
		return nil, err
	}
	d, err := merkle.NewDataset(m.Tree.Params(), m.MerkleEntries())
	if err != nil {
		return nil, err
	}
	e := m.Find(path)
	if e == nil {
		return nil, fmt.Errorf("lineage: %q is not an entry of the manifest", path)
	}
	p, err := d.EntryProof(path)
	if err != nil {
		return nil, err
	}
	return &InclusionProof{
		Format: ProofFormat, Root: m.Root, Tree: m.Tree, Objects: m.Objects, Bytes: m.Bytes,
		Entry: ProofEntry{Path: e.Path, Size: e.Size, Root: e.Root, Plan: e.Plan},
		Proof: p,
	}, nil
}

// Marshal encodes the proof as indented JSON with a final newline.
func (p *InclusionProof) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseProof decodes an inclusion proof strictly (see ParseManifest).
func ParseProof(data []byte) (*InclusionProof, error) {
	if err := strictCheck("proof", data, reflect.TypeFor[InclusionProof](), true); err != nil {
		return nil, err
	}
	p := new(InclusionProof)
	if err := json.Unmarshal(data, p); err != nil {
		return nil, &FormatError{Doc: "proof", Offset: -1, Err: err}
	}
	if p.Format != ProofFormat {
		return nil, fieldErr("proof", "format", "%q, want %q", p.Format, ProofFormat)
	}
	if p.Tree.Hash != treeHash {
		return nil, fieldErr("proof", "tree.hash", "unknown tree hash %q", p.Tree.Hash)
	}
	if err := checkSize(p.Bytes); err != nil {
		return nil, fieldErr("proof", "bytes", "%v", err)
	}
	if err := checkSize(p.Entry.Size); err != nil {
		return nil, fieldErr("proof", "entry.size", "%v", err)
	}
	if p.Proof.TreeSize != uint64(p.Objects) {
		return nil, fieldErr("proof", "proof.tree_size", "%d, but objects is %d", p.Proof.TreeSize, p.Objects)
	}
	return p, nil
}

// Verify checks that the proof leads to root. Errors wrap ErrProofFailed.
func (p *InclusionProof) Verify(root merkle.Hash) error {
	if p.Root != root {
		return fmt.Errorf("%w: proof is for dataset root %s, not %s", ErrProofFailed, p.Root, root)
	}
	e := &merkle.Entry{Path: p.Entry.Path, Size: p.Entry.Size, Root: p.Entry.Root, Plan: p.Entry.Plan}
	if err := merkle.VerifyEntry(root, p.Tree.Params(), p.Bytes, e, p.Proof); err != nil {
		return fmt.Errorf("%w: %w", ErrProofFailed, err)
	}
	return nil
}
