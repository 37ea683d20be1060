package lineage

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/cairnml/cairn/store"
)

// EnvelopeSuffix is appended to a manifest's name to name its detached
// DSSE envelope: "m.json" is signed by "m.json.dsse".
const EnvelopeSuffix = ".dsse"

// MaxSidecarSize bounds the size of a leaf sidecar this package reads
// (32 bytes a leaf: 2^32 bytes is 2^27 leaves, 1 PiB in 8 MiB parts).
const MaxSidecarSize = 1 << 32

// Loaded is a manifest read from a store, with its exact bytes, its
// sidecar and, when a key was given, the id of the key that signed it.
type Loaded struct {
	Manifest *Manifest
	// Bytes are the exact manifest bytes (the signed payload).
	Bytes []byte
	// Sidecar is the leaf sidecar's content, or nil if it could not be
	// read; SidecarErr then says why.
	Sidecar    []byte
	SidecarErr error
	// SidecarKey is the key the sidecar was read from (next to the
	// manifest, in the manifest's store).
	SidecarKey string
	// KeyID is the id of the key whose signature was verified; empty if
	// no key was given.
	KeyID string
}

// Load reads the manifest at key in st and its sidecar.
//
// If pub is not nil the manifest must be signed: the DSSE envelope is read
// from key+EnvelopeSuffix (or key itself, if it ends with EnvelopeSuffix,
// in which case the manifest is the envelope's payload), its signature is
// verified with pub before the payload is parsed (errors wrap
// ErrUnsigned when there is no envelope, ErrBadSignature or
// ErrInvalidEnvelope), and the manifest file, if
// present, must be exactly the signed payload (else ErrPayloadMismatch).
// Parse errors are *FormatError wrapping ErrInvalidManifest.
func Load(ctx context.Context, st store.Store, key string, pub ed25519.PublicKey) (*Loaded, error) {
	l := new(Loaded)
	manifestKey := key
	if pub != nil {
		envKey := key + EnvelopeSuffix
		if base, ok := strings.CutSuffix(key, EnvelopeSuffix); ok {
			envKey, manifestKey = key, base
		}
		env, err := store.ReadAll(ctx, st, envKey, MaxEnvelopeSize)
		if errors.Is(err, store.ErrNotExist) {
			return nil, fmt.Errorf("%w: no signature envelope %s (sign the manifest with cairn sign, or pass the envelope itself as the manifest): %w", ErrUnsigned, envKey, err)
		}
		if err != nil {
			return nil, fmt.Errorf("reading signature: %w", err)
		}
		// The manifest file next to the envelope must be the signed
		// payload; it may be absent only when the envelope was named.
		file, err := store.ReadAll(ctx, st, manifestKey, MaxManifestSize)
		if err != nil {
			if !errors.Is(err, store.ErrNotExist) || envKey != key {
				return nil, fmt.Errorf("reading manifest: %w", err)
			}
			file = nil
		}
		m, payload, err := VerifySignedManifest(env, file, pub)
		if err != nil {
			return nil, err
		}
		l.Manifest, l.Bytes, l.KeyID = m, payload, KeyID(pub)
	} else {
		data, err := store.ReadAll(ctx, st, key, MaxManifestSize)
		if err != nil {
			return nil, fmt.Errorf("reading manifest: %w", err)
		}
		m, err := ParseManifest(data)
		if err != nil {
			if _, _, eerr := ParseEnvelope(data); eerr == nil {
				return nil, fmt.Errorf("%w: this is a signature envelope, not a manifest: verify it with a public key (--key), or pass the manifest it signs", ErrInvalidManifest)
			}
			return nil, err
		}
		l.Manifest, l.Bytes = m, data
	}
	name := l.Manifest.Sidecar
	if name == "" {
		name = SidecarName(manifestKey)
	}
	l.SidecarKey = sidecarKey(manifestKey, name)
	l.Sidecar, l.SidecarErr = store.ReadAll(ctx, st, l.SidecarKey, MaxSidecarSize)
	if l.SidecarErr != nil {
		l.Sidecar = nil
	}
	return l, nil
}

// filtered is a read-only view of a store that lists only the keys keep
// accepts. It exists so merkle.Build hashes exactly the objects a
// verification needs.
type filtered struct {
	store.Store
	keep func(key string) bool
}

func (f filtered) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		for info, err := range f.Store.List(ctx, prefix) {
			if err == nil && !f.keep(info.Key) {
				continue
			}
			if !yield(info, err) {
				return
			}
		}
	}
}

// dirPrefix returns prefix as a directory prefix: "" or ending in "/".
func dirPrefix(prefix string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return prefix + "/"
	}
	return prefix
}
