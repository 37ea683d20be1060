// Package lineage records, signs, verifies and diffs dataset manifests.
package lineage
