// Package merkle builds BLAKE3 Merkle trees over datasets: one root hash
// for all the objects under a store prefix, which changes if any byte,
// name or object changes. docs/FORMAT.md is the specification; this
// package is its reference implementation.
//
// The pieces, bottom up:
//
//   - Hash roles (LeafHash, NodeHash, ObjectRoot, EntryHash, DatasetRoot):
//     BLAKE3 keyed with a key derived per role, so hashes of different
//     roles cannot be confused. TreeRoot has the RFC 9162 shape.
//   - Leaf plans (FixedPlan, ParquetPlan, PlanObject): how an object is cut
//     into leaves. Every byte is in exactly one leaf and each leaf hash
//     binds its offset and length. Parquet files are cut along column
//     chunks so a reader of some columns verifies just those bytes; only
//     parquet_footer.go knows parquet-go.
//   - Build and HashObject: parallel hashing over a store.Store with a
//     bounded pool across objects and across parts of large objects.
//   - Proofs (Entry.LeafProof, Dataset.EntryProof, VerifyLeaf,
//     VerifyEntry) with RFC 9162 verification rules, and DiffTrees.
//   - The leaf sidecar (WriteSidecar, ReadSidecar): 32 bytes per leaf,
//     verified against the roots before use.
//   - NewVerifiedReader: an io.ReaderAt that serves only verified bytes,
//     so any Parquet or Arrow reader on top of it reads verified data.
package merkle
