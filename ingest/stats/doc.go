// Package stats holds the two-sample drift statistics cairn reports and the
// special functions behind their p-values, written to agree with scipy 1.10
// (the golden vectors in ../shared/data/stats-golden.json):
//
//   - KS2Samp: two-sided two-sample Kolmogorov-Smirnov, scipy ks_2samp's
//     "auto" rule (exact lattice-path p-value when both samples have at most
//     10,000 observations, otherwise kstwo.sf(D, round(n*m/(n+m))));
//   - Wasserstein: first Wasserstein distance of the empirical
//     distributions (callers normalise by the reference's population std);
//   - PSI: bins from reference quantiles, empty bins floored at PSIFloor;
//   - ChiSquare: 2xK homogeneity test without Yates' correction;
//   - JSDistance: Jensen-Shannon distance (square root of the divergence),
//     base stated by the caller;
//   - BinomialUpperTail: P[X >= k], scipy binom.sf(k-1, n, p).
//
// Everything here is pure computation on slices; nothing reads data.
package stats
