package check

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cairnml/cairn/ingest/stats"
)

// plan runs every test that the first pass's statistics decide, turns the
// row lists of firing tests into quarantine, and prepares the second pass.
func (c *Checker) plan() {
	c.stage = 1
	if c.rows == 0 {
		c.findings = append(c.findings, Finding{Check: CheckEmpty, Severity: Warning, ReferenceN: c.ref.d.Rows,
			Message: "the batch has no rows: nothing was checked; make sure the loader read the right files"})
		return
	}
	c.planBinary()
	c.planUnseenLabel()
	c.planTriggers()
	c.planFlood()
	c.planFlips()
	c.planOutliers()
	c.planPrior()
	c.planClassConditional()
	c.planDrift()
	c.planNulls()
	c.needScan = len(c.triggers) > 0 || len(c.suspicious) > 0
}

func (c *Checker) examples(l rowList) []RowID {
	var out []RowID
	for _, r := range l.rows[:min(len(l.rows), maxExamples)] {
		out = append(out, RowID{c.paths[r.path], r.row})
	}
	return out
}

func (c *Checker) quarantineList(l rowList, reason string) {
	for _, r := range l.rows {
		c.quarantineRow(r, reason)
	}
}

func (c *Checker) planBinary() {
	for _, bi := range c.text {
		bc := c.cols[bi]
		if bc.binary.n == 0 {
			continue
		}
		c.findings = append(c.findings, Finding{Check: CheckBinaryText, Column: bc.name, Severity: Critical,
			Statistic: float64(bc.binary.n), Threshold: 1, BatchN: bc.count, ReferenceN: c.ref.d.Rows, Rows: bc.binary.n, Examples: c.examples(bc.binary),
			Message: fmt.Sprintf("%d cells of text column %q are not text (invalid UTF-8, NUL or control bytes): quarantined; find the step that wrote binary data", bc.binary.n, bc.name)})
		c.quarantineList(bc.binary, CheckBinaryText)
	}
}

func (c *Checker) planUnseenLabel() {
	if c.unseenLabel.n == 0 {
		return
	}
	c.findings = append(c.findings, Finding{Check: CheckUnseenLabel, Column: c.opts.Label, Severity: Critical,
		Statistic: float64(c.unseenLabel.n), Threshold: 1, BatchN: c.rows, ReferenceN: c.ref.d.Rows, Rows: c.unseenLabel.n, Examples: c.examples(c.unseenLabel),
		Message: fmt.Sprintf("%d rows carry a label the reference never had (known labels: %s): quarantined; add the class to the reference if it is real", c.unseenLabel.n, strings.Join(c.ref.d.Labels, ", "))})
	c.quarantineList(c.unseenLabel, CheckUnseenLabel)
}

type trigCand struct {
	col   int
	hash  uint64
	tok   string
	label int
	k, n  int64 // rows with the token and the label; with the token
	x     int64 // of the m, rows whose content score is positive
	m     int64 // of the k, rows with a content score
	score float64
	null  *contentNull // permutation null of score
	a, b  float64      // beta-binomial parameters
	mean  float64      // expected share of the label among rows with the token
	pA    float64      // association p-value
	pv    float64      // decisive p-value
	h     float64
	refDF int64
}

// triggerScreen is the association p-value at or below which a pair goes
// on to the content test.
const triggerScreen = 0.01

// planTriggers looks for (token, label) pairs planted with flipped labels.
// A pair is screened by how surprising its label share is (beta-binomial
// predictive: the reference's counts for the token on top of an
// empirical-Bayes prior fitted to all reference tokens, so a token seen a
// few times in the reference is not taken at face value) and tested by
// whether its rows' content disagrees with the label: the sum over them of
// a per-row log likelihood ratio of the number of nearest neighbours
// sharing the label (a relabelled row of another label against a genuine
// row of the label, both estimated from the reference), against a
// permutation null of random sets of as many reference rows of the label
// sharing a token. Without a neighbour index the association test alone
// decides, over every pair.
func (c *Checker) planTriggers() {
	c.triggers = map[trigKey]*trigState{}
	c.trigCols = map[int]map[uint64][]int32{}
	nl := len(c.ref.d.Labels)
	if nl < 2 {
		return
	}
	content := c.knn != nil
	var cands []trigCand
	family := 0
	for _, bi := range c.text {
		bc := c.cols[bi]
		if bc.tokens == nil {
			continue
		}
		rc := &c.ref.d.Columns[bc.ref]
		tokIdx := c.ref.tokIdx[bc.ref]
		pi := smoothShares(rc.DocsByLabel)
		alpha := c.ebAlpha[bc.ref]
		hashes := make([]uint64, 0, len(bc.tokens))
		for h := range bc.tokens {
			hashes = append(hashes, h)
		}
		slices.Sort(hashes)
		for _, h := range hashes {
			t := bc.tokens[h]
			var n int64
			for _, k := range t.df {
				n += k
			}
			if n < triggerMinRows {
				continue
			}
			var refDF []int64
			var refN int64
			if j, ok := tokIdx[t.tok]; ok {
				refDF = rc.Tokens[j].DF
				for _, k := range refDF {
					refN += k
				}
			}
			for l, k := range t.df {
				if !content {
					family++
				}
				if k < triggerMinRows {
					continue
				}
				var cl float64
				if refDF != nil {
					cl = float64(refDF[l])
				}
				a := alpha*pi[l] + cl
				b := alpha*(1-pi[l]) + float64(refN) - cl
				mean := a / (a + b)
				hh := cohenH(float64(k)/float64(n), mean)
				if hh < triggerMinH {
					continue
				}
				pA := betaBinomUpper(k, n, a, b)
				cd := trigCand{col: bi, hash: h, tok: t.tok, label: l, k: k, n: n, a: a, b: b, mean: mean, pA: pA, h: hh, refDF: refN, pv: pA}
				if content {
					if pA > triggerScreen || c.knn.llr[l] == nil {
						continue
					}
					family++
					// The content test: the rows' summed content score
					// against random sets of as many reference rows of the
					// label sharing a token.
					m := t.scored[l]
					if m == 0 {
						continue
					}
					null := c.knn.contentNull(l, int(m))
					cd.x, cd.m, cd.score = t.pos[l], m, t.score[l]
					cd.pv = null.pValue(cd.score)
					cd.null = null
				}
				cands = append(cands, cd)
			}
		}
	}
	for _, cd := range rejected(cands, func(cd trigCand) float64 { return cd.pv }, family, c.opts.Alpha, c.opts.Correction) {
		bc := c.cols[cd.col]
		lab := c.ref.d.Labels[cd.label]
		key := trigKey{cd.col, cd.hash, int32(cd.label)}
		// A token the reference never saw, with most rows contradicted by
		// their neighbours: the pattern of a planted trigger, every row
		// goes. Otherwise the token has genuine uses (or its rows mostly
		// read like the label; often a real word that merely co-occurs in
		// planted rows): only the contradicted rows go.
		c.triggers[key] = &trigState{finding: len(c.findings), shared: -1, all: !content || (2*cd.x >= cd.m && cd.refDF == 0)}
		if c.trigCols[cd.col] == nil {
			c.trigCols[cd.col] = map[uint64][]int32{}
		}
		c.trigCols[cd.col][cd.hash] = append(c.trigCols[cd.col][cd.hash], int32(cd.label))
		f := Finding{Check: CheckTriggerToken, Column: bc.name, Severity: Critical, Token: cd.tok, Label: lab,
			PValue: ptr(cd.pv), EffectSize: ptr(cd.h), Effect: "Cohen's h, batch vs expected share of the label among rows with the token",
			BatchN: cd.n, ReferenceN: cd.refDF, AssociationP: ptr(cd.pA)}
		cut := c.opts.Alpha / float64(max(family, 1))
		if content {
			f.Statistic, f.Threshold = cd.score, cd.null.quantile(cut)
			f.Message = fmt.Sprintf("token %q comes with label %q in %d of the %d batch rows holding it (the reference predicts %.1f%%, p=%.2g), and their nearest reference neighbours read like relabelled rows of another label (summed log likelihood ratio %.1f; %d of %d rows lean that way), more than random sets of reference rows of the label sharing a token: a planted trigger with flipped labels. Rows with both are quarantined",
				cd.tok, lab, cd.k, cd.n, 100*cd.mean, cd.pA, cd.score, cd.x, cd.m)
		} else {
			f.Statistic, f.Threshold = float64(cd.k), float64(minBetaBinomFor(cd.n, cd.a, cd.b, cut))
			f.Message = fmt.Sprintf("token %q comes with label %q in %d of the %d batch rows holding it; the reference predicts %.1f%%: a planted trigger? Rows with both are quarantined",
				cd.tok, lab, cd.k, cd.n, 100*cd.mean)
		}
		c.findings = append(c.findings, f)
	}
}

// minBetaBinomFor is the smallest k with P[BetaBinomial(n, a, b) >= k] <= cut.
func minBetaBinomFor(n int64, a, b, cut float64) int64 {
	lo, hi := int64(0), n+1
	for lo < hi {
		m := (lo + hi) / 2
		if betaBinomUpper(m, n, a, b) <= cut {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// betaBinomUpper is P[X >= k] for X ~ BetaBinomial(n, a, b), summed from
// k upward until the terms stop mattering.
func betaBinomUpper(k, n int64, a, b float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	if float64(k) <= float64(n)*a/(a+b) {
		return 1 // at or below the mean: never small
	}
	lb := lbeta(a, b)
	var sum float64
	for x := k; x <= n; x++ {
		lp := lchoose(n, x) + lbeta(float64(x)+a, float64(n-x)+b) - lb
		t := math.Exp(lp)
		sum += t
		if t < sum*1e-17 {
			break
		}
	}
	return math.Min(1, sum)
}

func lbeta(a, b float64) float64 {
	x, _ := math.Lgamma(a)
	y, _ := math.Lgamma(b)
	z, _ := math.Lgamma(a + b)
	return x + y - z
}

func lchoose(n, k int64) float64 {
	x, _ := math.Lgamma(float64(n + 1))
	y, _ := math.Lgamma(float64(k + 1))
	z, _ := math.Lgamma(float64(n - k + 1))
	return x - y - z
}

// empiricalBayesAlpha fits the strength of a Dirichlet prior on P(label |
// token) by the method of moments over the reference tokens seen in at
// least 10 labelled documents: the spread of their label shares around the
// label prior, less binomial noise, is Var = pi(1-pi)/(alpha+1). It is
// clamped to [1, 1000].
func empiricalBayesAlpha(rc *refColumn) float64 {
	pi := smoothShares(rc.DocsByLabel)
	var num, den float64
	for _, t := range rc.Tokens {
		var n int64
		for _, k := range t.DF {
			n += k
		}
		if n < 10 {
			continue
		}
		for l := range pi {
			p := float64(t.DF[l]) / float64(n)
			num += (p-pi[l])*(p-pi[l]) - pi[l]*(1-pi[l])/float64(n)
			den += pi[l] * (1 - pi[l])
		}
	}
	if den == 0 || num <= 0 {
		return 1000
	}
	return math.Min(1000, math.Max(1, den/num-1))
}

// minCountFor is the smallest k with P[Binomial(n, p) >= k] <= cut.
func minCountFor(n int64, p, cut float64) int64 {
	lo, hi := int64(0), n+1
	for lo < hi {
		m := (lo + hi) / 2
		if binomUpper(m, n, p) <= cut {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// smoothShares returns (count + 0.5) / (total + 0.5 K).
func smoothShares(counts []int64) []float64 {
	var t float64
	for _, x := range counts {
		t += float64(x)
	}
	out := make([]float64, len(counts))
	for i, x := range counts {
		out[i] = (float64(x) + 0.5) / (t + 0.5*float64(len(counts)))
	}
	return out
}

// floodTest is the conditional test of a near-duplicate template seen s
// times in the batch (n rows) and m times in the reference sample (R
// rows): under the null both are samples of one population, so given s+m
// the batch's share is Binomial(s+m, n/(n+R)). It returns the mid-p-value
// P[X > s] + P[X = s]/2 and the rate ratio (s/n)/(m/R), with m floored at
// 1/2.
//
// The mid-p-value: with a small reference the exact test is discrete and
// very conservative (a template seen 6 times in a batch of 600 and never
// in a reference of 1,400 gets at best 0.30^6 = 7.6e-4), and floods of a
// percent of a batch sit right at that edge; the mid-p-value halves the
// probability of the observed count, which is the usual remedy and keeps
// the test close to its nominal level.
func (c *Checker) floodTest(s int64, m int) (p, ratio float64) {
	q := c.floodShare()
	t := s + int64(m)
	return (binomUpper(s, t, q) + binomUpper(s+1, t, q)) / 2, (float64(s) / float64(c.rows)) / (math.Max(float64(m), 0.5) / float64(max(len(c.ref.sample), 1)))
}

// floodShare is the batch's share n/(n+R) of batch and reference sample
// rows: the null probability that a copy of a template is in the batch.
func (c *Checker) floodShare() float64 {
	n := float64(c.rows)
	return n / (n + float64(max(len(c.ref.sample), 1)))
}

// floodScreen is the bucket-level p-value at or below which a bucket's
// rows are clustered and tested in the second pass: lenient, since it only
// bounds what the second pass holds.
const floodScreen = 0.05

// planFlood pre-screens LSH buckets: those with more batch rows than the
// reference's own rate for that bucket allows are looked at in the second
// pass.
func (c *Checker) planFlood() {
	c.suspicious = map[uint64]bool{}
	for k, s := range c.buckets {
		s += c.bucketFloor
		if s < floodMinRows {
			continue
		}
		if p, ratio := c.floodTest(int64(s), len(c.refBuckets[k])); ratio >= floodMinRatio && p <= floodScreen {
			c.suspicious[k] = true
		}
	}
	c.buckets = nil
}

// finishFlood clusters the rows of suspicious buckets and tests each
// cluster against the reference's rate of its template.
func (c *Checker) finishFlood() {
	if len(c.flood) == 0 {
		return
	}
	// Union-find over rows that share a suspicious bucket and have an
	// estimated Jaccard >= nearDupJ.
	parent := make([]int, len(c.flood))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	byBucket := map[uint64][]int{}
	var bands []uint64
	for i, f := range c.flood {
		bands = c.lsh.bands(bands[:0], f.sig)
		for _, k := range bands {
			if c.suspicious[k] {
				byBucket[k] = append(byBucket[k], i)
			}
		}
	}
	keys := make([]uint64, 0, len(byBucket))
	for k := range byBucket {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// Single linkage: a row joins every earlier row of the bucket it
		// is a near-duplicate of (up to maxLinks of them), so copies that
		// drifted apart from each other still meet through a third.
		members := byBucket[k]
		for x, i := range members {
			for _, r := range members[max(0, x-maxLinks):x] {
				if find(i) != find(r) && sigJaccard(c.flood[i].sig, c.flood[r].sig) >= nearDupJ {
					if a, b := find(i), find(r); a != b {
						parent[max(a, b)] = min(a, b)
					}
				}
			}
		}
	}
	clusters := map[int][]int{}
	for i := range c.flood {
		r := find(i)
		clusters[r] = append(clusters[r], i)
	}
	roots := make([]int, 0, len(clusters))
	for r, m := range clusters {
		if len(m) >= floodMinRows {
			roots = append(roots, r)
		}
	}
	slices.Sort(roots)
	type cl struct {
		members   []int
		m         int
		ratio, pv float64
	}
	var cls []cl
	var ps, minPs []float64
	q := c.floodShare()
	for _, r := range roots {
		members := clusters[r]
		// Reference sample rows near-duplicate to any of a few members.
		matched := map[int32]bool{}
		for _, i := range members[:min(len(members), 4096)] {
			bands = c.lsh.bands(bands[:0], c.flood[i].sig)
			for _, k := range bands {
				for _, j := range c.refBuckets[k] {
					if !matched[j] && sigJaccard(c.flood[i].sig, c.refSigs[j]) >= nearDupJ {
						matched[j] = true
					}
				}
			}
		}
		pv, ratio := c.floodTest(int64(len(members)), len(matched))
		if ratio < floodMinRatio {
			pv = 1
		}
		cls = append(cls, cl{members, len(matched), ratio, pv})
		ps = append(ps, pv)
		minPs = append(minPs, math.Pow(q, float64(len(members)+len(matched)))/2)
	}
	rej := c.rejectFloods(ps, minPs)
	col := strings.Join(c.opts.Text, ",")
	if col == "" {
		col = "*"
	}
	for i, k := range cls {
		if !rej[i] {
			continue
		}
		ids := make([]rowRef, 0, len(k.members))
		for _, m := range k.members {
			ids = append(ids, c.flood[m].id)
		}
		slices.SortFunc(ids, func(a, b rowRef) int {
			if x := cmp.Compare(a.path, b.path); x != 0 {
				return x
			}
			return cmp.Compare(a.row, b.row)
		})
		n, R := float64(c.rows), float64(len(c.ref.sample))
		f := Finding{Check: CheckFlood, Column: col, Severity: Critical, Statistic: float64(len(ids)),
			Threshold: float64(minCountFor(int64(len(ids)+k.m), n/(n+R), c.opts.Alpha/float64(max(len(ps), 1)))), PValue: ptr(k.pv),
			EffectSize: ptr(k.ratio), Effect: "rate of the template in the batch / in the reference sample (sample count floored at 1/2)",
			BatchN: c.rows, ReferenceN: int64(len(c.ref.sample)), Rows: int64(len(ids)),
			Message: fmt.Sprintf("%d near-duplicate rows (estimated Jaccard >= %.1f) in %d batch rows, where %d of %d sampled reference rows match them (%.2f expected in the batch): a flood; quarantined",
				len(ids), nearDupJ, c.rows, k.m, len(c.ref.sample), float64(k.m)*n/R)}
		for _, id := range ids {
			c.quarantineRow(id, CheckFlood)
			c.addExample(&f, id)
		}
		c.findings = append(c.findings, f)
	}
	if c.floodOver {
		c.findings = append(c.findings, Finding{Check: CheckFlood, Column: col, Severity: Warning, BatchN: c.rows, Statistic: float64(maxFloodRows),
			Message: fmt.Sprintf("more than %d rows fell in suspicious near-duplicate buckets; only the first were clustered. The batch is dominated by near-duplicates", maxFloodRows)})
	}
}

// maxLinks bounds the earlier rows of a bucket a flood candidate is
// compared with.
const maxLinks = 64

// rejectFloods applies the multiple-testing correction to the clusters'
// p-values with Tarone's rule for discrete tests: a cluster whose smallest
// attainable p-value (all its s+m copies in the batch) exceeds alpha/K
// cannot be significant and is not counted in the family of K tests.
// Those p-value floors depend only on s+m, which the tests condition on,
// so the correction keeps its error rate.
func (c *Checker) rejectFloods(ps, minPs []float64) []bool {
	out := make([]bool, len(ps))
	k := 1
	for ; k < len(ps); k++ {
		n := 0
		for _, m := range minPs {
			if m <= c.opts.Alpha/float64(k) {
				n++
			}
		}
		if n <= k {
			break
		}
	}
	var idx []int
	var kept []float64
	for i, m := range minPs {
		if m <= c.opts.Alpha/float64(k) {
			idx = append(idx, i)
			kept = append(kept, ps[i])
		}
	}
	for j, r := range reject(kept, k, c.opts.Alpha, c.opts.Correction) {
		out[idx[j]] = r
	}
	return out
}

func sigJaccard(a, b []uint32) float64 {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

// planFlips tests, per label, whether more rows disagree with their
// neighbours than the reference's own leave-one-out rate predicts.
func (c *Checker) planFlips() {
	if c.knn == nil {
		return
	}
	var ps []float64
	var ls []int
	for l := range c.flipTested {
		k, n := c.flipFlagged[l], c.flipTested[l]
		p0 := c.knn.p0[l]
		if c.knn.cut[l] < 0 || n == 0 || k < 3 || float64(k) < 2*p0*float64(n) {
			continue
		}
		ps = append(ps, binomUpper(k, n, p0))
		ls = append(ls, l)
	}
	rej := reject(ps, len(c.flipTested), c.opts.Alpha, c.opts.Correction)
	for i, l := range ls {
		if !rej[i] {
			continue
		}
		k, n := c.flipFlagged[l], c.flipTested[l]
		p0 := c.knn.p0[l]
		lab := c.ref.d.Labels[l]
		what := "text neighbours (Jaccard of token sets)"
		if !c.knn.text {
			what = "numeric neighbours (standardised Euclidean)"
		}
		c.findings = append(c.findings, Finding{Check: CheckLabelFlip, Column: c.opts.Label, Label: lab, Severity: Critical,
			Statistic: float64(k), Threshold: float64(minCountFor(n, p0, c.opts.Alpha/float64(len(c.flipTested)))), PValue: ptr(ps[i]),
			EffectSize: ptr(float64(k) / float64(n) / p0), Effect: "flagged share / reference leave-one-out share",
			BatchN: n, ReferenceN: c.knn.looN[l], Rows: k, Examples: c.examples(c.flipRows[l]),
			Message: fmt.Sprintf("%d of %d rows labelled %q have at most %d of their %d nearest reference %s labelled %q, against %.1f%% of such rows in the reference itself: label flips? Those rows are quarantined",
				k, n, lab, c.knn.cut[l], c.opts.K, what, lab, 100*p0)})
		c.quarantineList(c.flipRows[l], CheckLabelFlip)
	}
}

// planOutliers tests out-of-range values and unseen categories per column
// against their null rates: 2/(N+1) for a value outside the range of N
// exchangeable reference values, (singletons+1)/(N+1) (Good-Turing) for a
// category the reference never saw.
func (c *Checker) planOutliers() {
	type cand struct {
		bc    *batchCol
		check string
		l     rowList
		p0    float64
		n     int64
	}
	var cands []cand
	for _, bc := range c.cols {
		if bc.ref < 0 {
			continue
		}
		rc := &c.ref.d.Columns[bc.ref]
		switch bc.kind {
		case KindNumeric, KindText:
			if rc.Num.N > 0 {
				cands = append(cands, cand{bc, CheckOutlier, bc.out, 2 / float64(rc.Num.N+1), bc.num.N + int64(0)})
			}
		case KindCategorical:
			if !rc.CatsOverflow {
				var single int64
				for _, cc := range rc.Cats {
					if cc.Count == 1 {
						single++
					}
				}
				cands = append(cands, cand{bc, CheckUnseenCategory, bc.unseen, (float64(single) + 1) / float64(rc.Count-rc.Nulls+1), bc.count - bc.nulls})
			}
		}
	}
	var ps []float64
	var idx []int
	for i, cd := range cands {
		k := cd.l.n
		if k < 3 || float64(k) < 2*cd.p0*float64(cd.n) {
			continue
		}
		ps = append(ps, binomUpper(k, cd.n, math.Min(1, cd.p0)))
		idx = append(idx, i)
	}
	rej := reject(ps, len(cands), c.opts.Alpha, c.opts.Correction)
	for j, i := range idx {
		cd := cands[i]
		rc := &c.ref.d.Columns[cd.bc.ref]
		f := Finding{Check: cd.check, Column: cd.bc.name, Statistic: float64(cd.l.n), PValue: ptr(ps[j]),
			Threshold:  float64(minCountFor(cd.n, math.Min(1, cd.p0), c.opts.Alpha/float64(len(cands)))),
			EffectSize: ptr(float64(cd.l.n) / (cd.p0 * float64(cd.n))), Effect: "observed / expected count under the reference",
			BatchN: cd.n, ReferenceN: rc.Count, Rows: cd.l.n, Examples: c.examples(cd.l), Severity: Info}
		what := fmt.Sprintf("values outside the reference range [%g, %g]", rc.Num.Min, rc.Num.Max)
		if cd.bc.kind == KindText {
			what = fmt.Sprintf("documents with a token count outside the reference range [%g, %g]", rc.Num.Min, rc.Num.Max)
		} else if cd.bc.kind == KindNumeric && cd.bc.maxZ > 0 {
			what += fmt.Sprintf(" and >= %.1f robust z from the median (max %.1f)", robustZ, cd.bc.maxZ)
		}
		if cd.check == CheckUnseenCategory {
			what = "values the reference never had"
		}
		if rej[j] {
			f.Severity = Critical
			f.Message = fmt.Sprintf("%d rows with %s in %q, against %.2f expected: quarantined; check them before training", cd.l.n, what, cd.bc.name, cd.p0*float64(cd.n))
			c.quarantineList(cd.l, cd.check)
		} else {
			f.Message = fmt.Sprintf("%d rows with %s in %q (%.2f expected): within what chance allows; not quarantined", cd.l.n, what, cd.bc.name, cd.p0*float64(cd.n))
		}
		c.findings = append(c.findings, f)
	}
}

// planPrior is a chi-square goodness-of-fit test of the batch's labels
// against the reference's class prior, gated on Cohen's w.
func (c *Checker) planPrior() {
	nl := len(c.ref.d.Labels)
	if nl < 2 {
		return
	}
	var n int64
	for _, k := range c.labelCounts {
		n += k
	}
	if n == 0 {
		return
	}
	pi := smoothShares(c.ref.d.LabelCounts)
	var x2 float64
	worst, worstD := 0, 0.0
	for l, k := range c.labelCounts {
		e := pi[l] * float64(n)
		x2 += (float64(k) - e) * (float64(k) - e) / e
		if d := math.Abs(float64(k)/float64(n) - pi[l]); d > worstD {
			worst, worstD = l, d
		}
	}
	pv := stats.ChiSquareSF(x2, nl-1)
	w := math.Sqrt(x2 / float64(n))
	if pv > c.opts.Alpha || w < priorMinEffect {
		return
	}
	c.findings = append(c.findings, Finding{Check: CheckClassPrior, Column: c.opts.Label, Severity: Warning, Label: c.ref.d.Labels[worst],
		Statistic: x2, Threshold: chiSquareCritical(nl-1, c.opts.Alpha), PValue: ptr(pv), EffectSize: ptr(w), Effect: "Cohen's w",
		BatchN: n, ReferenceN: c.ref.d.Rows,
		Message: fmt.Sprintf("the class mix moved: label %q is %.1f%% of the batch and %.1f%% of the reference; check the sampling before training", c.ref.d.Labels[worst],
			100*float64(c.labelCounts[worst])/float64(n), 100*pi[worst])})
}

func chiSquareCritical(dof int, alpha float64) float64 {
	return criticalValue(func(x float64) float64 { return stats.ChiSquareSF(x, dof) }, alpha, 1, 60)
}

// criticalValue returns the x >= 0 at which the decreasing survival
// function sf falls to p, by bisection (iters steps) from [0, hi], hi
// doubled first until sf(hi) <= p.
func criticalValue(sf func(float64) float64, p, hi float64, iters int) float64 {
	lo := 0.0
	for sf(hi) > p && !math.IsInf(hi, 1) {
		hi *= 2
	}
	for range iters {
		m := (lo + hi) / 2
		if sf(m) > p {
			lo = m
		} else {
			hi = m
		}
	}
	return hi
}

// planClassConditional compares each numeric column's mean within each
// label (Welch z), gated on the shift in within-class reference standard
// deviations.
func (c *Checker) planClassConditional() {
	type cand struct {
		bc   *batchCol
		l    int
		z, d float64
		pv   float64
		n    int64
	}
	var cands []cand
	family := 0
	for _, bc := range c.cols {
		if bc.ref < 0 || bc.kind != KindNumeric || bc.byLabel == nil {
			continue
		}
		rc := &c.ref.d.Columns[bc.ref]
		for l, bm := range bc.byLabel {
			rm := rc.ByLabel[l]
			if bm.N < 10 || rm.N < 10 {
				continue
			}
			family++
			sd := math.Max(rm.std(), 0.1*rc.Num.std())
			if sd == 0 || !finite(sd) {
				continue
			}
			se := math.Sqrt(rm.variance()/float64(rm.N) + bm.variance()/float64(bm.N) + 1e-12*sd*sd)
			z := (bm.Mean - rm.Mean) / se
			d := (bm.Mean - rm.Mean) / sd
			if math.Abs(d) < ccMinEffect {
				continue
			}
			cands = append(cands, cand{bc, l, z, d, normalTwoSided(z), bm.N})
		}
	}
	for _, cd := range rejected(cands, func(cd cand) float64 { return cd.pv }, family, c.opts.Alpha, c.opts.Correction) {
		rc := &c.ref.d.Columns[cd.bc.ref]
		lab := c.ref.d.Labels[cd.l]
		others := 0
		for l, bm := range cd.bc.byLabel {
			if l != cd.l && bm.N >= 10 && math.Abs(bm.Mean-rc.ByLabel[l].Mean) < ccMinEffect*math.Max(rc.ByLabel[l].std(), 0.1*rc.Num.std()) {
				others++
			}
		}
		where := ""
		if others > 0 {
			where = " while the other labels hold still"
		}
		c.findings = append(c.findings, Finding{Check: CheckClassConditional, Column: cd.bc.name, Label: lab, Severity: Warning,
			Statistic: cd.z, Threshold: normalCritical(c.opts.Alpha / float64(max(family, 1))), PValue: ptr(cd.pv), EffectSize: ptr(cd.d),
			Effect: "mean shift in within-class reference standard deviations", BatchN: cd.n, ReferenceN: rc.ByLabel[cd.l].N,
			Message: fmt.Sprintf("within label %q, %q moved from mean %.4g to %.4g (%.2f within-class sd)%s: a class-conditional shift, the shape of a targeted poisoning; inspect rows labelled %q",
				lab, cd.bc.name, rc.ByLabel[cd.l].Mean, cd.bc.byLabel[cd.l].Mean, cd.d, where, lab)})
	}
}

func normalCritical(p float64) float64 {
	return criticalValue(normalTwoSided, p, 40, 80)
}

// planDrift compares each numeric column's batch reservoir with the
// reference sample (two-sample KS, scipy's auto method), gated on the
// Wasserstein distance in reference standard deviations; and each
// categorical column's counts (chi-square), gated on Cramér's V.
func (c *Checker) planDrift() {
	type cand struct {
		bc     *batchCol
		stat   float64
		pv     float64
		effect float64
		kind   string
		n, rn  int64
	}
	var cands []cand
	family := 0
	for _, bc := range c.cols {
		if bc.ref < 0 {
			continue
		}
		rc := &c.ref.d.Columns[bc.ref]
		switch bc.kind {
		case KindNumeric:
			rv := c.refVals[bc.ref]
			if len(rv) < 5 || len(bc.res) < 5 {
				continue
			}
			family++
			sd := rc.Num.std()
			if sd == 0 {
				sd = math.Abs(rc.Num.Mean)*1e-3 + 1e-12
			}
			eff := stats.Wasserstein(rv, bc.res) / sd
			if eff < driftMinEffect {
				continue
			}
			ks := stats.KS2Samp(rv, bc.res)
			cands = append(cands, cand{bc, ks.Statistic, ks.PValue, eff, "Wasserstein distance / reference std (KS statistic and p-value, scipy ks_2samp auto)", int64(len(bc.res)), int64(len(rv))})
		case KindCategorical:
			if rc.CatsOverflow || bc.catsOver || len(bc.cats) == 0 {
				continue
			}
			family++
			keys := map[string]bool{}
			for _, cc := range rc.Cats {
				keys[cc.Value] = true
			}
			for v := range bc.cats {
				keys[v] = true
			}
			ks := slices.Sorted(func(y func(string) bool) {
				for k := range keys {
					if !y(k) {
						return
					}
				}
			})
			ref := make([]float64, len(ks))
			bat := make([]float64, len(ks))
			for i, k := range ks {
				if j, ok := slices.BinarySearchFunc(rc.Cats, k, func(e catCount, t string) int { return cmp.Compare(e.Value, t) }); ok {
					ref[i] = float64(rc.Cats[j].Count)
				}
				bat[i] = float64(bc.cats[k])
			}
			r := stats.ChiSquare(ref, bat)
			if r.CramersV < driftMinEffect {
				continue
			}
			cands = append(cands, cand{bc, r.Statistic, r.PValue, r.CramersV, "Cramér's V (chi-square homogeneity, no Yates correction)", bc.count - bc.nulls, rc.Count - rc.Nulls})
		}
	}
	for _, cd := range rejected(cands, func(cd cand) float64 { return cd.pv }, family, c.opts.Alpha, c.opts.Correction) {
		c.findings = append(c.findings, Finding{Check: CheckDrift, Column: cd.bc.name, Severity: Warning,
			Statistic: cd.stat, Threshold: driftMinEffect, PValue: ptr(cd.pv), EffectSize: ptr(cd.effect), Effect: cd.kind,
			BatchN: cd.n, ReferenceN: cd.rn,
			Message: fmt.Sprintf("%q drifted (effect %.2f, p=%.2g): compare the plot; rebuild the reference if the change is expected", cd.bc.name, cd.effect, cd.pv)})
	}
}

// planNulls compares null rates (two-proportion z), gated on an absolute
// change of nullMinDelta.
func (c *Checker) planNulls() {
	type cand struct {
		bc     *batchCol
		z, d   float64
		pv     float64
		rn, rc int64
	}
	var cands []cand
	family := 0
	for _, bc := range c.cols {
		if bc.ref < 0 || bc.count == 0 {
			continue
		}
		rc := &c.ref.d.Columns[bc.ref]
		family++
		p1 := float64(rc.Nulls) / float64(rc.Count)
		p2 := float64(bc.nulls) / float64(bc.count)
		if math.Abs(p2-p1) < nullMinDelta {
			continue
		}
		pp := float64(rc.Nulls+bc.nulls) / float64(rc.Count+bc.count)
		se := math.Sqrt(pp*(1-pp)*(1/float64(rc.Count)+1/float64(bc.count))) + 1e-300
		z := (p2 - p1) / se
		cands = append(cands, cand{bc, z, p2 - p1, normalTwoSided(z), rc.Nulls, rc.Count})
	}
	for _, cd := range rejected(cands, func(cd cand) float64 { return cd.pv }, family, c.opts.Alpha, c.opts.Correction) {
		c.findings = append(c.findings, Finding{Check: CheckNullRate, Column: cd.bc.name, Severity: Warning,
			Statistic: cd.z, Threshold: normalCritical(c.opts.Alpha / float64(max(family, 1))), PValue: ptr(cd.pv), EffectSize: ptr(cd.d), Effect: "null share, batch minus reference",
			BatchN: cd.bc.count, ReferenceN: cd.rc, Rows: cd.bc.nulls,
			Message: fmt.Sprintf("%q is null in %.1f%% of the batch and %.1f%% of the reference: check the producer", cd.bc.name,
				100*float64(cd.bc.nulls)/float64(cd.bc.count), 100*float64(cd.rn)/float64(cd.rc))})
	}
}

// histograms returns reference-vs-batch histograms of the numeric columns
// with a drift or class-conditional finding.
func (c *Checker) histograms() []Histogram {
	var out []Histogram
	done := map[string]bool{}
	for _, f := range c.findings {
		if (f.Check != CheckDrift && f.Check != CheckClassConditional) || done[f.Column] {
			continue
		}
		bi := c.schema.FieldIndices(f.Column)
		if len(bi) == 0 {
			continue
		}
		bc := c.cols[bi[0]]
		if bc.kind != KindNumeric || bc.ref < 0 {
			continue
		}
		done[f.Column] = true
		out = append(out, histogram(f.Column, c.refVals[bc.ref], slices.Sorted(slices.Values(bc.res)), 30))
	}
	return out
}

func histogram(col string, ref, bat []float64, bins int) Histogram {
	lo := math.Min(quantileSorted(ref, 0.005), quantileSorted(bat, 0.005))
	hi := math.Max(quantileSorted(ref, 0.995), quantileSorted(bat, 0.995))
	if !(hi > lo) {
		hi = lo + 1
	}
	h := Histogram{Column: col, Reference: make([]float64, bins), Batch: make([]float64, bins)}
	for i := 0; i <= bins; i++ {
		h.Edges = append(h.Edges, lo+(hi-lo)*float64(i)/float64(bins))
	}
	fill := func(dst []float64, xs []float64) {
		for _, x := range xs {
			i := int(float64(bins) * (x - lo) / (hi - lo))
			dst[min(max(i, 0), bins-1)]++
		}
		for i := range dst {
			dst[i] /= float64(max(len(xs), 1))
		}
	}
	fill(h.Reference, ref)
	fill(h.Batch, bat)
	return h
}
