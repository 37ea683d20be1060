// Package merkle builds BLAKE3 Merkle trees over datasets; see docs/FORMAT.md.
package merkle
