// Package check judges a batch of rows against a trusted reference and
// names the rows to quarantine.
//
// A [Reference] is built once, in one streaming pass over trusted data
// ([Builder]); it keeps per-column summaries, per-label token document
// frequencies of the text columns, and a bounded, seeded, mergeable sample
// of reference rows for nearest-neighbour and near-duplicate questions.
//
// A [Checker] reads a batch in two streaming passes with memory bounded by
// the reference and the vocabulary, not by the number of rows: the first
// pass (Observe) gathers sufficient statistics and decides which tests
// fire, the second (Scan) finds the rows behind each firing test. [Check]
// runs both passes over a re-readable source; [CheckRecord] checks one
// in-memory record batch, which is what a data loader calls per batch.
//
// The checks, each a family with its own multiple-testing correction at
// Options.Alpha:
//
//   - trigger_token: per (token, label) pair, the exact binomial upper tail
//     P[X >= k], X ~ Binomial(n, p), where n is the number of batch documents
//     holding the token, k those with the label, and p the reference's
//     smoothed P(label | token) adjusted to the batch's label prior; pairs
//     also need Cohen's h >= 0.5. Rows with the token and the label are
//     quarantined; rows with the token and another label are reported
//     (trigger_token_shared).
//   - near_duplicate_flood: MinHash/LSH clusters in the batch; a cluster of
//     s rows is tested by P[Poisson(λ) >= s-1], λ = (m+1)·n/N, where m is the
//     number of reference rows of the same near-duplicate template (estimated
//     from the sample): the reference's own duplicate rate is the null.
//   - label_flip: rows whose label agrees with at most 20% of their k
//     nearest reference neighbours, quarantined only when their number for a
//     label exceeds what the reference's own leave-one-out rate predicts
//     (binomial test).
//   - outlier: values outside the reference's [min, max] (the exchangeability
//     bound P <= 2/(N+1) per row is the null rate), extreme text lengths, and
//     unseen categories (Good-Turing null rate), quarantined when in excess.
//   - binary_text: text cells that are not text (invalid UTF-8, NUL or
//     control bytes) are quarantined outright.
//   - class_prior_shift, class_conditional_drift, drift, null_rate, schema:
//     batch-level warnings gated on effect size as well as p-value.
//
// Verdicts: quarantine when a critical finding exists (every row-level
// check that fires is critical; so are missing columns and type changes),
// warn when a warning exists, pass otherwise. Everything is deterministic
// for a given Options.Seed and input order.
package check
