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
//   - trigger_token: (token, label) pairs planted with flipped labels. A
//     pair held by k of the n batch documents with the token is screened by
//     the beta-binomial upper tail P[X >= k] (the reference's counts for the
//     token on top of an empirical-Bayes prior fitted to all reference
//     tokens, so a token seen a few times is not taken at face value), and
//     decided by whether its rows' content contradicts the label: how many
//     of the k rows their nearest reference neighbours call another label,
//     against the reference's own leave-one-out rate for rows with that
//     token and label. Rows with the pair are quarantined (all of them when
//     most are contradicted, else only the contradicted ones); rows with
//     the token and another label are reported (trigger_token_shared).
//   - near_duplicate_flood: MinHash/LSH clusters of the batch (single
//     linkage at estimated Jaccard >= 0.7); a cluster of s rows matching m
//     rows of the reference sample is tested conditionally on s+m against
//     Binomial(s+m, n/(n+R)) (mid-p-value): the reference's own
//     near-duplicate rate for that template is the null. Clusters whose
//     smallest attainable p-value could not pass are left out of the
//     multiple-testing family (Tarone's rule for discrete tests).
//   - label_flip: rows whose label is shared by so few of their K nearest
//     reference neighbours (text: Jaccard of token sets; numeric:
//     standardised Euclidean) that at most 5% of the reference's own rows of
//     that label are as isolated (leave-one-out); quarantined when their
//     number exceeds that rate (binomial test per label).
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
