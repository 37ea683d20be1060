// Package cairn keeps training data honest between the moment it is
// collected and the moment a model trains on it.
//
// The library is four packages over one store abstraction:
//
//   - store: a flat namespace of objects (a local directory confined with
//     os.Root, an S3-compatible bucket through minio-go, or memory), listed in
//     key order and read at random offsets. Every implementation passes the
//     conformance suite in store/storetest.
//   - merkle: parallel BLAKE3 Merkle trees over the objects of a store, with
//     Parquet-aware leaves, inclusion proofs and verified io.ReaderAt reads.
//     docs/FORMAT.md is the specification.
//   - lineage: the signed manifest of a dataset version (roots, provenance,
//     authority, licences, permitted uses, parents, transformation), its
//     verification in training jobs and its diff for code review.
//   - ingest: readers from a store into Arrow record batches, mergeable
//     reference profiles, drift statistics and poisoning checks down to the
//     rows to quarantine.
//   - classify: detectors of personal data, secrets and regulated identifiers
//     in columns and free text, and de-identification.
//
// Dependencies point one way: store knows nothing of the others; merkle uses
// store (and parquet-go only to plan Parquet leaves); ingest and classify use
// store and Arrow; lineage orchestrates merkle, ingest and classify. The
// cairn command in cmd/cairn is a thin layer over these packages.
package cairn
