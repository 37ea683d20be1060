package lineage

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"golang.org/x/sync/errgroup"
)

// Mode is a verification mode. A report is always of one mode.
type Mode string

// Verification modes.
const (
	// ModeFull re-hashes every byte of every object.
	ModeFull Mode = "full"
	// ModeSample checks a seeded random fraction of the leaves against the
	// leaf hashes of the sidecar (which are first verified against the
	// roots), and the sizes of all objects.
	ModeSample Mode = "sample"
	// ModeMetadata compares sizes, and the version ids, ETags and
	// checksums that both the manifest and the source have, as the store
	// reports them; it reads no object bytes. A passing report is
	// "metadata-verified", not verified, and says which fields it compared
	// (Report.MetadataFields).
	ModeMetadata Mode = "metadata"
)

// ParseMode parses a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeFull, ModeSample, ModeMetadata:
		return m, nil
	}
	return "", fmt.Errorf("unknown verification mode %q (want full, sample or metadata)", s)
}

// VerifyOptions control Verify. The zero value verifies in full mode.
type VerifyOptions struct {
	Mode Mode
	// Fraction is the fraction of leaves ModeSample checks, in (0, 1].
	Fraction float64
	// Seed seeds the sample; the same seed checks the same leaves.
	Seed uint64
	// AllowUnexpected accepts objects in the source that are not in the
	// manifest (they are still listed in the report). By default they
	// fail the verification.
	AllowUnexpected bool
	// Ignore lists paths (relative to the prefix) that are neither checked
	// nor reported as unexpected, such as the manifest itself when it is
	// stored inside the dataset.
	Ignore []string
	// Workers bounds parallel reads and hashing; 0 means one per CPU.
	Workers int
	// Progress, if set, receives progress of the full mode's hashing.
	Progress func(merkle.Progress)
}

// Report is the result of a verification. Its JSON form is what
// `cairn verify --format json` prints.
type Report struct {
	// Verified is true when the mode checked bytes (full, sample) and
	// found no problem. It is always false in ModeMetadata.
	Verified bool `json:"verified"`
	// MetadataVerified is true when ModeMetadata found no problem.
	MetadataVerified bool   `json:"metadata_verified,omitempty"`
	Mode             Mode   `json:"mode"`
	Root             string `json:"root"`
	// Objects and Bytes are the manifest's object count and total size.
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// SignedBy is the id of the key whose signature was verified.
	SignedBy   string     `json:"signed_by,omitempty"`
	Mismatches []Mismatch `json:"mismatches"`
	// Missing lists manifest entries absent from the source.
	Missing []string `json:"missing"`
	// Unexpected lists objects in the source that the manifest lacks.
	Unexpected []string `json:"unexpected"`
	// Manifest lists problems of the manifest or its sidecar themselves.
	Manifest []string     `json:"manifest_errors,omitempty"`
	Sample   *SampleStats `json:"sample,omitempty"`
	// MetadataFields lists, in ModeMetadata, the fields that were compared
	// for at least one object, in the order of the Metadata* constants:
	// always MetadataSize, and the others only where both the manifest and
	// the source have them (a local directory has no ETags or version
	// ids; a manifest built from one records none). MetadataCompared
	// counts the objects each was compared for.
	MetadataFields   []string         `json:"metadata_fields,omitempty"`
	MetadataCompared map[string]int64 `json:"metadata_compared,omitempty"`

	allowUnexpected bool
	// manifestErrs are the errors behind Manifest, for Err to wrap.
	manifestErrs []error
}

// addManifestErr records a problem of the manifest or its sidecar.
func (r *Report) addManifestErr(err error) {
	r.Manifest = append(r.Manifest, err.Error())
	r.manifestErrs = append(r.manifestErrs, err)
}

// Fields compared by ModeMetadata, as named in Report.MetadataFields.
const (
	MetadataSize      = "size"
	MetadataVersionID = "version_id"
	MetadataETag      = "etag"
	MetadataChecksums = "checksums"
)

// Mismatch is one object, or one leaf of an object, that does not match
// the manifest. Leaf, Offset and Length are set for a leaf; RowGroup and
// Column when the leaf is (part of) a Parquet column chunk.
type Mismatch struct {
	Path     string `json:"path"`
	Leaf     *int   `json:"leaf,omitempty"`
	Offset   *int64 `json:"offset,omitempty"`
	Length   *int64 `json:"length,omitempty"`
	RowGroup *int   `json:"row_group,omitempty"`
	Column   string `json:"column,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Reason   string `json:"reason"`
}

// String describes the mismatch in one line: the path, column and reason
// are shown as QuoteUnprintable shows them.
func (m Mismatch) String() string {
	s := QuoteUnprintable(m.Path)
	if m.Leaf != nil {
		s += fmt.Sprintf(": leaf %d, bytes [%d, %d)", *m.Leaf, *m.Offset, *m.Offset+*m.Length)
		if m.RowGroup != nil {
			s += fmt.Sprintf(", row group %d, column %s", *m.RowGroup, QuoteUnprintable(m.Column))
		} else if m.Kind != "" && m.Kind != merkle.KindPart.String() {
			s += " (" + QuoteUnprintable(m.Kind) + ")"
		}
	}
	return s + ": " + QuoteUnprintable(m.Reason)
}

// SampleStats describes what ModeSample checked.
type SampleStats struct {
	Seed          uint64  `json:"seed"`
	Fraction      float64 `json:"fraction"`
	LeavesChecked int64   `json:"leaves_checked"`
	LeavesTotal   int64   `json:"leaves_total"`
	BytesChecked  int64   `json:"bytes_checked"`
	BytesTotal    int64   `json:"bytes_total"`
}

// OK reports whether the verification passed: no mismatch, no missing
// object, no manifest problem, and no unexpected object unless allowed.
func (r *Report) OK() bool {
	return len(r.Mismatches) == 0 && len(r.Missing) == 0 && len(r.Manifest) == 0 &&
		(len(r.Unexpected) == 0 || r.allowUnexpected)
}

// Err returns nil if the report passed, and otherwise an error wrapping
// ErrNotVerified that names the first problem, in this order: a manifest
// that does not match its own root (wrapped, ErrRootMismatch), data that
// fails (mismatched, missing or unexpected objects), a sidecar that is
// unreadable or does not match the manifest (wrapped, a *SidecarError).
// Nothing signs the sidecar, so a damaged one never hides changed data.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	n := len(r.Mismatches) + len(r.Missing) + len(r.Manifest)
	if !r.allowUnexpected {
		n += len(r.Unexpected)
	}
	more := ""
	if n > 1 {
		more = fmt.Sprintf(" (and %d more problems)", n-1)
		if n == 2 {
			more = " (and 1 more problem)"
		}
	}
	var rootErr, sidecarErr error
	for _, err := range r.manifestErrs {
		var se *SidecarError
		switch {
		case errors.As(err, &se):
			sidecarErr = cmp.Or(sidecarErr, err)
		default:
			rootErr = cmp.Or(rootErr, err)
		}
	}
	var first string
	switch {
	case rootErr != nil:
		return fmt.Errorf("%w: %w%s", ErrNotVerified, rootErr, more)
	case len(r.Mismatches) > 0:
		first = r.Mismatches[0].String()
	case len(r.Missing) > 0:
		first = QuoteUnprintable(r.Missing[0]) + ": missing from the source"
	case len(r.Unexpected) > 0 && !r.allowUnexpected:
		first = QuoteUnprintable(r.Unexpected[0]) + ": in the source but not in the manifest"
	case sidecarErr != nil:
		return fmt.Errorf("%w: %w%s", ErrNotVerified, sidecarErr, more)
	default:
		first = QuoteUnprintable(r.Manifest[0])
	}
	return fmt.Errorf("%w: %s%s", ErrNotVerified, first, more)
}

// Failed reports whether the verification failed on the data or the
// manifest: objects that do not match, are missing or are unexpected
// (unless allowed), or a manifest that does not match its own root. A
// report that is not OK but not Failed found only a damaged sidecar: bad
// input rather than a verdict on the data.
func (r *Report) Failed() bool {
	if len(r.Mismatches) > 0 || len(r.Missing) > 0 || (len(r.Unexpected) > 0 && !r.allowUnexpected) {
		return true
	}
	for _, err := range r.manifestErrs {
		var se *SidecarError
		if !errors.As(err, &se) {
			return true
		}
	}
	return false
}

// Verify checks the objects under prefix in st against a loaded manifest
// in one mode. It returns a report whose OK (or Err) says whether the data
// matches; the error return is for failures to carry out the check (a
// store that cannot be listed or read, a cancelled context).
//
// Every mode first recomputes the dataset root from the manifest's
// entries (an edited manifest fails), lists the source (objects in the
// manifest but not in the source are missing; objects in the source but
// not in the manifest are unexpected and fail unless allowed), and
// compares sizes.
func Verify(ctx context.Context, l *Loaded, st store.Store, prefix string, opts VerifyOptions) (*Report, error) {
	m := l.Manifest
	if opts.Mode == "" {
		opts.Mode = ModeFull
	}
	if _, err := ParseMode(string(opts.Mode)); err != nil {
		return nil, err
	}
	if opts.Mode == ModeSample && !(opts.Fraction > 0 && opts.Fraction <= 1) {
		return nil, fmt.Errorf("sample fraction %v is not in (0, 1]", opts.Fraction)
	}
	r := &Report{
		Mode: opts.Mode, Root: m.Root.String(), Objects: m.Objects, Bytes: m.Bytes, SignedBy: l.KeyID,
		Mismatches: []Mismatch{}, Missing: []string{}, Unexpected: []string{}, allowUnexpected: opts.AllowUnexpected,
	}
	rootOK := true
	if err := m.CheckRoot(); err != nil {
		rootOK = false
		r.addManifestErr(err)
	}
	dir := dirPrefix(prefix)
	ignore := make(map[string]bool)
	for _, p := range opts.Ignore {
		ignore[p] = true
	}
	listing, err := listInfos(ctx, st, dir)
	if err != nil {
		return nil, fmt.Errorf("listing the source: %w", err)
	}
	for p := range listing {
		if ignore[p] {
			delete(listing, p)
		} else if m.Find(p) == nil {
			r.Unexpected = append(r.Unexpected, p)
		}
	}
	slices.Sort(r.Unexpected)
	// present: entries found in the source with the recorded size.
	var present []int
	for i := range m.Entries {
		e := &m.Entries[i]
		info, ok := listing[e.Path]
		switch {
		case !ok:
			r.Missing = append(r.Missing, e.Path)
		case info.Size != e.Size:
			r.Mismatches = append(r.Mismatches, Mismatch{Path: e.Path,
				Reason: fmt.Sprintf("size differs: %d bytes in the source, %d in the manifest", info.Size, e.Size)})
		default:
			present = append(present, i)
		}
	}
	switch opts.Mode {
	case ModeMetadata:
		r.MetadataCompared = map[string]int64{MetadataSize: int64(len(m.Entries) - len(r.Missing))}
		verifyMetadata(r, m, listing, present)
		for _, f := range []string{MetadataSize, MetadataVersionID, MetadataETag, MetadataChecksums} {
			if _, ok := r.MetadataCompared[f]; ok {
				r.MetadataFields = append(r.MetadataFields, f)
			}
		}
		sortMismatches(r.Mismatches)
		r.MetadataVerified = r.OK()
		r.Verified = false
		return r, nil
	case ModeFull:
		ds := loadSidecar(r, l, rootOK, false)
		if err := verifyFull(ctx, r, m, ds, st, dir, present, opts); err != nil {
			return nil, err
		}
	case ModeSample:
		ds := loadSidecar(r, l, rootOK, true)
		if ds != nil {
			if err := verifySample(ctx, r, m, ds, st, dir, present, opts); err != nil {
				return nil, err
			}
		}
	}
	sortMismatches(r.Mismatches)
	r.Verified = r.OK()
	return r, nil
}

func sortMismatches(ms []Mismatch) {
	slices.SortStableFunc(ms, func(a, b Mismatch) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		la, lb := -1, -1
		if a.Leaf != nil {
			la = *a.Leaf
		}
		if b.Leaf != nil {
			lb = *b.Leaf
		}
		return la - lb
	})
}

// verifyMetadata compares the store metadata of the present entries, each
// field only where both the manifest and the source have it: a source
// that cannot report a field (a local copy of an S3 dataset has no ETags)
// is not a mismatch, and the field is not counted as compared.
func verifyMetadata(r *Report, m *Manifest, listing map[string]store.Info, present []int) {
	for _, i := range present {
		e := &m.Entries[i]
		s := e.Store
		if s == nil {
			continue
		}
		info := listing[e.Path]
		add := func(format string, args ...any) {
			r.Mismatches = append(r.Mismatches, Mismatch{Path: e.Path, Reason: fmt.Sprintf(format, args...)})
		}
		if s.VersionID != "" && info.VersionID != "" {
			r.MetadataCompared[MetadataVersionID]++
			if info.VersionID != s.VersionID {
				add("version id differs: %q in the source, %q in the manifest", info.VersionID, s.VersionID)
			}
		}
		if s.ETag != "" && info.ETag != "" {
			r.MetadataCompared[MetadataETag]++
			if info.ETag != s.ETag {
				add("ETag differs: %q in the source, %q in the manifest", info.ETag, s.ETag)
			}
		}
		compared := false
		for _, alg := range sortedKeys(s.Checksums) {
			got, ok := info.Checksums[alg]
			if !ok || got == "" || s.Checksums[alg] == "" {
				continue
			}
			compared = true
			if got != s.Checksums[alg] {
				add("%s checksum differs: %q in the source, %q in the manifest", alg, got, s.Checksums[alg])
			}
		}
		if compared {
			r.MetadataCompared[MetadataChecksums]++
		}
	}
}

// loadSidecar reads and verifies the sidecar into a merkle dataset with
// leaf hashes. A sidecar that is unreadable or does not match the manifest
// is a problem of the manifest's inputs, reported as a *SidecarError that
// names it and what is wrong. When its layout is right but some entries'
// leaf hashes do not give their object roots, the other entries keep
// theirs (for leaf detail in full mode and for sampling). If required
// (sample mode) a missing sidecar is a problem, else full mode goes on
// without leaf detail.
func loadSidecar(r *Report, l *Loaded, rootOK, required bool) *merkle.Dataset {
	m := l.Manifest
	key := l.SidecarKey
	if key == "" {
		key = m.Sidecar
	}
	fail := func(err error) { r.addManifestErr(&SidecarError{Key: key, Err: err}) }
	ds := &merkle.Dataset{Root: m.Root, Params: m.Tree.Params(), Bytes: m.Bytes, Entries: m.MerkleEntries()}
	if l.SidecarErr != nil || l.Sidecar == nil {
		if required {
			err := l.SidecarErr
			if err == nil {
				err = errors.New("not loaded")
			}
			fail(fmt.Errorf("unreadable, and sample mode needs it: %w", err))
		}
		return nil
	}
	var leaves int64
	for i := range ds.Entries {
		leaves += int64(ds.Entries[i].NumLeaves)
	}
	hdr := merkle.SidecarSize(&merkle.Dataset{})
	if err := checkSidecarLayout(l.Sidecar, hdr, m, leaves); err != nil {
		fail(err)
		return nil
	}
	off := hdr
	bad := 0
	for i := range ds.Entries {
		e := &ds.Entries[i]
		hs := make([]merkle.Hash, e.NumLeaves)
		for k := range hs {
			copy(hs[k][:], l.Sidecar[off:off+32])
			off += 32
		}
		if merkle.ObjectRoot(e.Size, hs) == e.Root {
			e.Hashes = hs
			continue
		}
		bad++
		if !rootOK {
			// The manifest's root does not match its entries: the
			// entry is at fault, not the sidecar.
			r.addManifestErr(fmt.Errorf("%w: entry %s: its root is not the one its leaf hashes in %s give (the manifest was edited)", ErrRootMismatch, QuoteUnprintable(e.Path), QuoteUnprintable(key)))
			continue
		}
		fail(fmt.Errorf("the leaf hashes of %s do not give its object root in the manifest (the sidecar was edited)", QuoteUnprintable(e.Path)))
	}
	if bad > 0 || !rootOK {
		return ds
	}
	// The layout and every entry check out: read it as the spec says
	// (docs/FORMAT.md §7), which checks all of it again.
	full := &merkle.Dataset{Root: m.Root, Params: m.Tree.Params(), Bytes: m.Bytes, Entries: m.MerkleEntries()}
	if err := merkle.ReadSidecar(bytes.NewReader(l.Sidecar), full); err != nil {
		fail(err)
		return nil
	}
	return full
}

// checkSidecarLayout checks the header and the length of a sidecar of
// hdr header bytes against the manifest (docs/FORMAT.md §7), saying what
// is wrong in the terms a user can act on.
func checkSidecarLayout(sc []byte, hdr int64, m *Manifest, leaves int64) error {
	n := int64(len(sc))
	if n < hdr {
		return fmt.Errorf("%d bytes, shorter than its %d-byte header (truncated)", n, hdr)
	}
	if !bytes.HasPrefix(sc, []byte(merkle.SidecarMagic)) {
		return fmt.Errorf("does not start with %q: not a cairn leaf sidecar", strings.TrimSuffix(merkle.SidecarMagic, "\n"))
	}
	if (n-hdr)%32 != 0 {
		return fmt.Errorf("length %d is not a %d-byte header plus 32 bytes a leaf (%d bytes after the header is not a multiple of 32): truncated or padded", n, hdr, n-hdr)
	}
	magic := int64(len(merkle.SidecarMagic))
	var root merkle.Hash
	copy(root[:], sc[magic:magic+32])
	if root != m.Root {
		return fmt.Errorf("written for dataset root %s, not the manifest's root %s (the sidecar of another build: an interrupted write, or files mixed up; build again)", root, m.Root)
	}
	if c := binary.LittleEndian.Uint64(sc[magic+32:]); c != uint64(len(m.Entries)) {
		return fmt.Errorf("its header counts %d entries, the manifest has %d", c, len(m.Entries))
	}
	if c := binary.LittleEndian.Uint64(sc[magic+40:]); c != uint64(leaves) {
		return fmt.Errorf("its header counts %d leaves, the manifest's entries have %d", c, leaves)
	}
	if got := (n - hdr) / 32; got != leaves {
		return fmt.Errorf("holds %d leaf hashes (%d bytes), the manifest's entries have %d leaves (%d bytes)", got, n, leaves, hdr+32*leaves)
	}
	return nil
}

// verifyFull re-hashes the present entries with merkle.Build over a view
// of the store holding just them, and compares.
func verifyFull(ctx context.Context, r *Report, m *Manifest, ds *merkle.Dataset, st store.Store, dir string, present []int, opts VerifyOptions) error {
	want := make(map[string]bool, len(present))
	for _, i := range present {
		want[dir+m.Entries[i].Path] = true
	}
	view := filtered{Store: st, keep: func(k string) bool { return want[k] }}
	got, err := merkle.Build(ctx, view, dir, merkle.Options{Params: m.Tree.Params(), Workers: opts.Workers, Progress: opts.Progress})
	if err != nil {
		return fmt.Errorf("hashing the source: %w", err)
	}
	for gi := range got.Entries {
		g := &got.Entries[gi]
		e := m.Find(g.Path)
		if e == nil {
			continue // listed since; reported by the listing pass
		}
		if g.Root == e.Root && g.Plan == e.Plan && g.Size == e.Size {
			continue
		}
		var want []merkle.Hash
		if ds != nil {
			if j := ds.Find(g.Path); j >= 0 {
				want = ds.Entries[j].Hashes
			}
		}
		r.Mismatches = append(r.Mismatches, compareLeaves(e, g, want)...)
	}
	return nil
}

// maxLeafMismatches bounds the leaf mismatches reported per object.
const maxLeafMismatches = 100

// compareLeaves explains why the re-hashed entry g differs from e, leaf by
// leaf when the committed leaf hashes are known and the plans agree.
func compareLeaves(e *Entry, g *merkle.Entry, want []merkle.Hash) []Mismatch {
	obj := func(reason string) []Mismatch { return []Mismatch{{Path: e.Path, Reason: reason}} }
	if g.Plan != e.Plan {
		if e.Plan == merkle.PlanParquet {
			reason := "the Parquet footer was changed or corrupted: the file no longer plans as Parquet"
			if g.Warning != "" {
				reason += " (" + g.Warning + ")"
			}
			return obj(reason)
		}
		return obj(fmt.Sprintf("leaf plan differs: %s in the source, %s in the manifest", g.Plan, e.Plan))
	}
	if want == nil {
		return obj("content differs (object root mismatch; no leaf hashes to say where)")
	}
	if len(want) != len(g.Hashes) {
		return obj(fmt.Sprintf("layout differs: %d leaves in the source, %d in the manifest (the Parquet footer was changed?)", len(g.Hashes), len(want)))
	}
	var ms []Mismatch
	n := 0
	for k := range want {
		if g.Hashes[k] == want[k] {
			continue
		}
		n++
		if n <= maxLeafMismatches {
			ms = append(ms, leafMismatch(e.Path, k, g.Leaves[k], "content differs"))
		}
	}
	if n > maxLeafMismatches {
		ms = append(ms, Mismatch{Path: e.Path, Reason: fmt.Sprintf("and %d more leaves differ", n-maxLeafMismatches)})
	}
	if n == 0 {
		return obj("object root differs although every leaf matches")
	}
	return ms
}

func leafMismatch(path string, k int, l merkle.Leaf, reason string) Mismatch {
	mm := Mismatch{Path: path, Leaf: &k, Offset: &l.Offset, Length: &l.Length, Kind: l.Kind.String(), Reason: reason}
	if l.Kind == merkle.KindChunk {
		rg := l.RowGroup
		mm.RowGroup = &rg
		mm.Column = l.Column
	}
	return mm
}

// verifySample checks a seeded sample of leaves through merkle's verified
// reader.
func verifySample(ctx context.Context, r *Report, m *Manifest, ds *merkle.Dataset, st store.Store, dir string, present []int, opts VerifyOptions) error {
	stats := &SampleStats{Seed: opts.Seed, Fraction: opts.Fraction}
	r.Sample = stats
	// Draw leaves over the present entries whose hashes are known, by
	// global leaf index, without replacement.
	type obj struct {
		e      *merkle.Entry
		me     *Entry
		chosen []int
	}
	var objs []*obj
	var cum []int64
	var total int64
	for _, i := range present {
		me := &m.Entries[i]
		j := ds.Find(me.Path)
		if j < 0 || ds.Entries[j].Hashes == nil || me.Leaves == 0 {
			continue
		}
		objs = append(objs, &obj{e: &ds.Entries[j], me: me})
		total += me.Leaves
		cum = append(cum, total)
		stats.BytesTotal += me.Size
	}
	stats.LeavesTotal = total
	k := int64(math.Ceil(opts.Fraction * float64(total)))
	rng := rand.New(rand.NewPCG(opts.Seed, 0x636169726e)) // "cairn"
	// Floyd's algorithm: k distinct indices in [0, total).
	picked := make(map[int64]bool, k)
	for j := total - k; j < total; j++ {
		t := rng.Int64N(j + 1)
		if picked[t] {
			t = j
		}
		picked[t] = true
	}
	idx := make([]int64, 0, len(picked))
	for t := range picked {
		idx = append(idx, t)
	}
	slices.Sort(idx)
	for _, t := range idx {
		o, _ := slices.BinarySearch(cum, t+1)
		start := cum[o] - objs[o].me.Leaves
		objs[o].chosen = append(objs[o].chosen, int(t-start))
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	workers := opts.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0) // reads wait on I/O
	}
	g.SetLimit(workers)
	for _, o := range objs {
		if len(o.chosen) == 0 {
			continue
		}
		g.Go(func() error {
			ms, leaves, nbytes, err := sampleObject(gctx, st, dir, m, o.e, o.chosen)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			r.Mismatches = append(r.Mismatches, ms...)
			stats.LeavesChecked += leaves
			stats.BytesChecked += nbytes
			return nil
		})
	}
	return g.Wait()
}

// sampleObject re-derives the leaf plan of one object and reads the chosen
// leaves (and, for Parquet, the footer leaves that prove the plan) through
// a merkle.VerifiedReader.
func sampleObject(ctx context.Context, st store.Store, dir string, m *Manifest, e *merkle.Entry, chosen []int) ([]Mismatch, int64, int64, error) {
	obj, err := st.Open(ctx, dir+e.Path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opening %s: %w", QuoteUnprintable(e.Path), err)
	}
	defer obj.Close()
	if obj.Size() != e.Size {
		return []Mismatch{{Path: e.Path, Reason: fmt.Sprintf("size differs: %d bytes in the source, %d in the manifest", obj.Size(), e.Size)}}, 0, 0, nil
	}
	var plan *merkle.Plan
	switch e.Plan {
	case merkle.PlanParquet:
		plan, err = merkle.ParquetPlan(ctx, obj, e.Size, m.Tree.PartSize)
		if errors.Is(err, merkle.ErrNotParquet) {
			return []Mismatch{{Path: e.Path, Reason: "the Parquet footer was changed or corrupted: " + err.Error()}}, 0, 0, nil
		}
	default:
		plan, err = merkle.FixedPlan(e.Size, m.Tree.PartSize)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("planning %s: %w", QuoteUnprintable(e.Path), err)
	}
	if len(plan.Leaves) != len(e.Hashes) {
		return []Mismatch{{Path: e.Path, Reason: fmt.Sprintf("layout differs: %d leaves in the source, %d in the manifest (the Parquet footer was changed?)", len(plan.Leaves), len(e.Hashes))}}, 0, 0, nil
	}
	ve := *e
	ve.Leaves = plan.Leaves
	vr, err := merkle.NewVerifiedReader(ctx, obj, &ve, merkle.ReaderOptions{PartSize: m.Tree.PartSize, CacheSize: -1})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", QuoteUnprintable(e.Path), err)
	}
	check := slices.Clone(chosen)
	if e.Plan == merkle.PlanParquet {
		for i := len(plan.Leaves) - 1; i >= 0 && plan.Leaves[i].Kind == merkle.KindFooter; i-- {
			check = append(check, i)
		}
		slices.Sort(check)
		check = slices.Compact(check)
	}
	var ms []Mismatch
	var nbytes int64
	buf := make([]byte, 0, m.Tree.PartSize)
	for _, i := range check {
		l := plan.Leaves[i]
		b := buf[:l.Length]
		nbytes += l.Length
		if _, err := vr.ReadAt(b, l.Offset); err != nil {
			var me *merkle.MismatchError
			if errors.As(err, &me) {
				ms = append(ms, leafMismatch(e.Path, i, l, "content differs"))
				continue
			}
			return nil, 0, 0, fmt.Errorf("reading %s: %w", QuoteUnprintable(e.Path), err)
		}
	}
	return ms, int64(len(check)), nbytes, nil
}

// VerifyDataset is the one call a training job makes before it starts: it
// loads the manifest at manifestKey in ms (requiring a signature by pub if
// pub is not nil; see Load), verifies the objects under prefix in data in
// the mode of opts, and returns the report and an error that is nil only
// if the data matches. The error wraps ErrNotVerified when the data does
// not match, ErrBadSignature when the signature does not verify, and
// otherwise describes why the check could not be made. The report is nil
// when no check could be made (the manifest could not be loaded, its
// signature failed, or the data could not be read); it is non-nil, with
// the mismatches, whenever the error wraps ErrNotVerified.
func VerifyDataset(ctx context.Context, ms store.Store, manifestKey string, pub ed25519.PublicKey, data store.Store, prefix string, opts VerifyOptions) (*Report, error) {
	l, err := Load(ctx, ms, manifestKey, pub)
	if err != nil {
		return nil, err
	}
	r, err := Verify(ctx, l, data, prefix, opts)
	if err != nil {
		return nil, err
	}
	return r, r.Err()
}
