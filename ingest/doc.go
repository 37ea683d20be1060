// Package ingest reads batches into Arrow record batches, profiles them and
// checks them against a trusted reference.
package ingest
