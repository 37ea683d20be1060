package lineage

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// ManifestPayloadType is the DSSE payload type of a signed manifest.
const ManifestPayloadType = "application/vnd.cairn.manifest+json"

// InTotoPayloadType is the DSSE payload type of an in-toto Statement.
const InTotoPayloadType = "application/vnd.in-toto+json"

// MaxEnvelopeSize bounds the size of an envelope this package reads.
const MaxEnvelopeSize = MaxManifestSize*4/3 + 1<<20

// Envelope is a DSSE envelope (github.com/secure-systems-lab/dsse). The
// payload and signatures are base64 (standard alphabet on output; both
// alphabets, padded or not, on input).
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of a DSSE envelope.
type Signature struct {
	// KeyID is KeyID of the public key that verifies Sig.
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is the DSSE pre-authentication encoding of a payload: what is
// actually signed.
//
//	"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// KeyID returns the key id of an ed25519 public key: the lowercase hex
// SHA-256 of its 32 raw bytes.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

// GenerateKey returns a new ed25519 key pair, each PEM-encoded: the
// private key as PKCS #8 ("PRIVATE KEY"), the public key as PKIX
// ("PUBLIC KEY"), the forms openssl reads.
func GenerateKey() (privPEM, pubPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: generate key: %w", err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: encode private key: %w", err)
	}
	px, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: px}), nil
}

// ParsePrivateKey reads a PEM PKCS #8 ed25519 private key. A public key
// is refused with an error wrapping ErrKeyType.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk != nil && blk.Type == "PUBLIC KEY" {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: fmt.Errorf(`%w: a PEM "PUBLIC KEY" where the "PRIVATE KEY" is needed: signing takes the private key (the file cairn keygen wrote without .pub)`, ErrKeyType)}
	}
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: errors.New(`not a PEM "PRIVATE KEY" (make one with cairn keygen)`)}
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: err}
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: fmt.Errorf("a %T, not an ed25519 key", k)}
	}
	return ek, nil
}

// ParsePublicKey reads a PEM PKIX ed25519 public key. A private key is
// refused with an error wrapping ErrKeyType: whoever verifies must not
// need, or hold, the key that signs.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(data)
	if blk != nil && blk.Type == "PRIVATE KEY" {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: fmt.Errorf(`%w: a PEM "PRIVATE KEY" where a "PUBLIC KEY" is expected: verification takes the public key (KEY.pub from cairn keygen), never the private key`, ErrKeyType)}
	}
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: errors.New(`not a PEM "PUBLIC KEY" (make one with cairn keygen)`)}
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: err}
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, &FormatError{Doc: "key", Offset: -1, Err: fmt.Errorf("a %T, not an ed25519 key", k)}
	}
	return ek, nil
}

// SignEnvelope signs payload with key and returns the DSSE envelope as
// indented JSON.
func SignEnvelope(payloadType string, payload []byte, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("lineage: sign: private key of %d bytes", len(key))
	}
	pub := key.Public().(ed25519.PublicKey)
	env := Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures: []Signature{{
			KeyID: KeyID(pub),
			Sig:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, PAE(payloadType, payload))),
		}},
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// SignManifest signs the exact bytes of a manifest. It checks that they
// parse as a manifest first, so a signature is never made over a file
// that is not one.
func SignManifest(manifest []byte, key ed25519.PrivateKey) ([]byte, error) {
	if _, err := ParseManifest(manifest); err != nil {
		return nil, err
	}
	return SignEnvelope(ManifestPayloadType, manifest, key)
}

// ParseEnvelope decodes a DSSE envelope strictly (see ParseManifest for
// what strict means) and its base64 payload. It does not verify anything.
func ParseEnvelope(data []byte) (*Envelope, []byte, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, nil, fieldErr("envelope", "", "%d bytes, over the %d-byte limit", len(data), MaxEnvelopeSize)
	}
	if err := strictCheck("envelope", data, reflect.TypeFor[Envelope](), true); err != nil {
		return nil, nil, err
	}
	env := new(Envelope)
	if err := json.Unmarshal(data, env); err != nil {
		return nil, nil, &FormatError{Doc: "envelope", Offset: -1, Err: err}
	}
	if env.PayloadType == "" {
		return nil, nil, fieldErr("envelope", "payloadType", "missing")
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		return nil, nil, fieldErr("envelope", "payload", "%v", err)
	}
	if len(env.Signatures) == 0 {
		return nil, nil, fieldErr("envelope", "signatures", "no signatures")
	}
	for i, s := range env.Signatures {
		if _, err := decodeBase64(s.Sig); err != nil {
			return nil, nil, fieldErr("envelope", "signatures["+strconv.Itoa(i)+"].sig", "%v", err)
		}
	}
	return env, payload, nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not valid base64")
}

// VerifyEnvelope checks that the envelope carries a valid signature by pub
// over its payload with the given payload type, and only then returns the
// payload. A signature whose key id names another key is skipped; an
// empty key id is tried. It returns an error wrapping ErrInvalidEnvelope
// for an envelope it cannot read and ErrBadSignature when no signature
// verifies.
func VerifyEnvelope(data []byte, pub ed25519.PublicKey, payloadType string) ([]byte, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("lineage: verify: public key of %d bytes", len(pub))
	}
	env, payload, err := ParseEnvelope(data)
	if err != nil {
		return nil, err
	}
	if env.PayloadType != payloadType {
		return nil, fieldErr("envelope", "payloadType", "%q, want %q", env.PayloadType, payloadType)
	}
	id := KeyID(pub)
	pae := PAE(env.PayloadType, payload)
	for _, s := range env.Signatures {
		if s.KeyID != "" && s.KeyID != id {
			continue
		}
		sig, _ := decodeBase64(s.Sig)
		if ed25519.Verify(pub, pae, sig) {
			return payload, nil
		}
	}
	return nil, fmt.Errorf("%w with key %s", ErrBadSignature, id)
}

// VerifySignedManifest verifies a signed manifest and returns the parsed
// manifest and its exact bytes. The signature is checked before the
// payload is parsed. If manifest is not nil it must be byte-for-byte the
// signed payload, else the error wraps ErrPayloadMismatch.
func VerifySignedManifest(envelope, manifest []byte, pub ed25519.PublicKey) (*Manifest, []byte, error) {
	payload, err := VerifyEnvelope(envelope, pub, ManifestPayloadType)
	if err != nil {
		return nil, nil, err
	}
	if manifest != nil && !bytes.Equal(payload, manifest) {
		return nil, nil, fmt.Errorf("%w (the manifest was changed after it was signed, or the envelope belongs to another manifest)", ErrPayloadMismatch)
	}
	m, err := ParseManifest(payload)
	if err != nil {
		return nil, nil, err
	}
	return m, payload, nil
}

// In-toto identifiers.
const (
	// StatementType is the in-toto Statement v1 type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType identifies the cairn manifest predicate.
	PredicateType = "https://github.com/cairnml/cairn/manifest/v1"
	// DigestAlgorithm is the in-toto digest name of a cairn dataset root.
	DigestAlgorithm = "cairn-tree-v1"
)

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is an in-toto subject.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate is the cairn predicate: the manifest itself and the SHA-256 of
// its exact bytes.
type Predicate struct {
	ManifestDigest string          `json:"manifest_digest"`
	Manifest       json.RawMessage `json:"manifest"`
}

// InTotoStatement returns an in-toto Statement v1 whose single subject is
// the dataset (named by its name, else its URI, with its root as digest
// DigestAlgorithm) and whose predicate is the manifest. manifest must be
// the exact manifest bytes; they are parsed and validated first.
func InTotoStatement(manifest []byte) ([]byte, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	name := m.Dataset.Name
	if name == "" {
		name = m.Dataset.URI
	}
	if name == "" {
		name = "dataset"
	}
	pred, err := json.Marshal(Predicate{ManifestDigest: ManifestDigest(manifest), Manifest: bytes.TrimSpace(manifest)})
	if err != nil {
		return nil, err
	}
	st := Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: name, Digest: map[string]string{DigestAlgorithm: m.Root.String()}}},
		PredicateType: PredicateType,
		Predicate:     pred,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ManifestDigest returns "sha256:<hex>" of the exact manifest bytes, as
// recorded in a child's derivation.parents.
func ManifestDigest(manifest []byte) string {
	s := sha256.Sum256(manifest)
	return "sha256:" + hex.EncodeToString(s[:])
}
