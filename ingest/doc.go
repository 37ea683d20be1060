// Package ingest reads batches into Arrow record batches, profiles them and
// checks them against a trusted reference.
//
// Reading: Read yields the rows of one object or of every object under a
// prefix of a store.Store (in key order) as Batches: an arrow.RecordBatch
// with the object's path and the index of its first row, so every row is
// identified by (path, row). Parquet is decoded with arrow-go's pqarrow,
// CSV (header row, types inferred over the file) and JSONL (one object a
// line, nested objects as structs, mixed types across lines an error) by
// this package, Arrow IPC files and streams with arrow-go's ipc. Options
// project columns, set the batch size and supply the io.ReaderAt of each
// object (ReadOptions.Open), which is where merkle's verified reader plugs
// in. Malformed input gives a *ReadError (class ErrFormat or ErrEmpty)
// naming the file and, where known, the line, row and column; decoder
// panics on hostile input are turned into such errors.
//
// Profiling: a Profile is built in one pass with fixed memory per column
// (and per class and text column) and is mergeable: counts, nulls,
// NaN/±Inf, Welford moments, a KLL quantile sketch, exact value counts for
// low-cardinality numeric columns, an HLL distinct counter, frequent items;
// with a label, the class prior and a summary of every column within each
// class; for text columns, token document frequencies overall and per
// class (see Tokenize); and a seeded bottom-k sample of rows with their
// values and MinHash signatures of text, for neighbour-based checks. The
// sketches live in ingest/sketch. MarshalProfile writes versioned,
// deterministic JSON; ReadProfile rejects other formats and versions.
//
// Drift: Drift compares a batch's profile with the reference's, per column
// overall and within each class, plus the label distribution; the
// statistics (KS with scipy's exact/asymptotic p-values, Wasserstein raw
// and over the reference std, PSI, chi-square, Jensen-Shannon distance)
// are in ingest/stats and match scipy 1.10. AlarmConfig gates alarms on
// both a Bonferroni-corrected p-value and an effect size, so big batches
// do not alarm on negligible shifts. SchemaChanges lists missing, new and
// re-typed columns and null-rate jumps.
package ingest
