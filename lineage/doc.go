// Package lineage records, signs, verifies and diffs dataset manifests.
//
// A Manifest (format cairn.manifest/v1, specified in docs/FORMAT.md §10) is
// one dataset version: its merkle roots and entries, where the data came
// from and under what authority and licences (Provenance), what it was
// derived from (Derivation), its schemas, and open slots for the classify
// and ingest packages. Its leaf hashes live in a binary sidecar next to it
// (merkle's format).
//
// The life of a manifest:
//
//   - Build hashes a dataset in a store.Store with merkle.Build and returns
//     the manifest and tree; WriteManifest writes the sidecar, then the
//     manifest, each atomically. Marshal is canonical: the same data gives
//     the same bytes.
//   - SignManifest wraps the exact bytes in a DSSE envelope (ed25519);
//     InTotoStatement exports an in-toto Statement v1.
//   - Load reads a manifest (verifying its signature before parsing it when
//     a key is given) and its sidecar; Verify checks a dataset against it in
//     one mode (full, sample or metadata) and returns a Report whose JSON
//     form is the `cairn verify --format json` output; OpenDataset gives a
//     data loader a verified io.ReaderAt per object.
//   - DiffManifests compares two versions for review, policy first, and
//     renders Markdown, JSON or text.
//   - Prove and InclusionProof.Verify prove one object is in a dataset to
//     someone who holds only the root.
//
// Parsers here (ParseManifest, ParseProvenance, ParseEnvelope, ParseProof)
// are strict: they reject duplicate keys, unknown fields, wrong types and
// integers beyond 2^53 with a *FormatError that names the field at fault.
package lineage
