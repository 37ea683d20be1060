package lineage

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap one of them (or an
// error of another package, such as a store error) so callers can use
// errors.Is.
var (
	// ErrInvalidManifest reports a manifest that cannot be read: bad JSON,
	// wrong types, missing or invalid fields. *FormatError carries the detail.
	ErrInvalidManifest = errors.New("invalid manifest")
	// ErrUnsupportedVersion reports a manifest of a format version this
	// package does not read. It is reported inside a *FormatError, so
	// errors.Is(err, ErrInvalidManifest) holds too.
	ErrUnsupportedVersion = errors.New("unsupported manifest format version")
	// ErrInvalidProvenance reports a provenance document that is not valid.
	ErrInvalidProvenance = errors.New("invalid provenance")
	// ErrInvalidEnvelope reports a signature envelope or key that cannot be
	// read.
	ErrInvalidEnvelope = errors.New("invalid signature envelope")
	// ErrKeyType reports a key of the wrong kind: a private key where a
	// public key is expected (verification), or the reverse (signing).
	// It is reported inside a *FormatError.
	ErrKeyType = errors.New("wrong type of key")
	// ErrUnsigned reports a manifest that must be signed (a key was
	// given) and has no signature envelope.
	ErrUnsigned = errors.New("manifest is not signed")
	// ErrBadSignature reports a signature that does not verify with the
	// given key: the manifest was changed or signed by someone else.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrPayloadMismatch reports a signature envelope whose payload is not
	// the manifest it was presented with: a signature over other bytes.
	ErrPayloadMismatch = errors.New("signature is over other bytes than the manifest")
	// ErrRootMismatch reports a manifest whose root does not match its own
	// entries and parameters: it was edited.
	ErrRootMismatch = errors.New("manifest root does not match its entries")
	// ErrInvalidSidecar reports a leaf sidecar that does not match the
	// manifest.
	ErrInvalidSidecar = errors.New("leaf sidecar does not match the manifest")
	// ErrNotVerified reports that verification found mismatches, missing
	// or unexpected objects; the *Report says which.
	ErrNotVerified = errors.New("dataset does not match its manifest")
)

// FormatError reports an input document (a manifest, a provenance file, a
// signature envelope) that is not valid, naming the field at fault.
type FormatError struct {
	// Doc is what was being read: "manifest", "provenance", "envelope".
	Doc string
	// Field is the JSON path of the field at fault, such as
	// "entries[3].size"; empty for the document as a whole.
	Field string
	// Offset is the byte offset of the problem in the document, or -1.
	Offset int64
	// Err says what is wrong.
	Err error
}

func (e *FormatError) Error() string {
	s := e.Doc
	if s == "" {
		s = "input"
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	s += ": " + e.Err.Error()
	if e.Offset >= 0 {
		s += " (at byte " + strconv.FormatInt(e.Offset, 10) + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel for the kind of document:
// ErrInvalidManifest, ErrInvalidProvenance or ErrInvalidEnvelope.
func (e *FormatError) Is(target error) bool {
	switch e.Doc {
	case "manifest":
		return target == ErrInvalidManifest
	case "provenance":
		return target == ErrInvalidProvenance
	case "envelope":
		return target == ErrInvalidEnvelope
	}
	return false
}

// SidecarError reports a leaf sidecar that cannot be read or does not
// match its manifest, naming the sidecar. It wraps ErrInvalidSidecar and,
// for an unreadable sidecar, the store's error.
type SidecarError struct {
	// Key is the sidecar's key in the manifest's store, such as
	// "v2.leaves".
	Key string
	// Err says what is wrong.
	Err error
}

func (e *SidecarError) Error() string {
	return "leaf sidecar " + e.Key + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *SidecarError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidSidecar.
func (e *SidecarError) Is(target error) bool { return target == ErrInvalidSidecar }

func fieldErr(doc, field string, format string, args ...any) *FormatError {
	return &FormatError{Doc: doc, Field: field, Offset: -1, Err: fmt.Errorf(format, args...)}
}
