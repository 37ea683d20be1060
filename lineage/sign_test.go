package lineage_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
)

func TestPAE(t *testing.T) {
	// The example from the DSSE protocol specification.
	got := lineage.PAE("http://example.com/HelloWorld", []byte("hello world"))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; string(got) != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

func keys(t testing.TB) (ed25519.PrivateKey, ed25519.PublicKey) {
	t.Helper()
	privPEM, pubPEM, err := lineage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := lineage.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := lineage.ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// TestParseKeyRefusesTheOtherKind: verification never takes the private
// key (it used to, silently deriving the public half), signing never the
// public one.
func TestParseKeyRefusesTheOtherKind(t *testing.T) {
	privPEM, pubPEM, err := lineage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if k, err := lineage.ParsePublicKey(privPEM); k != nil || !errors.Is(err, lineage.ErrKeyType) ||
		!strings.Contains(err.Error(), `a PEM "PRIVATE KEY" where a "PUBLIC KEY" is expected`) {
		t.Fatalf("ParsePublicKey(private key) = %v, %v", k, err)
	}
	if k, err := lineage.ParsePrivateKey(pubPEM); k != nil || !errors.Is(err, lineage.ErrKeyType) ||
		!strings.Contains(err.Error(), `a PEM "PUBLIC KEY" where the "PRIVATE KEY" is needed`) {
		t.Fatalf("ParsePrivateKey(public key) = %v, %v", k, err)
	}
}

func TestSignAndVerifyManifest(t *testing.T) {
	manifest := validManifest(t)
	priv, pub := keys(t)
	env, err := lineage.SignManifest(manifest, priv)
	if err != nil {
		t.Fatal(err)
	}
	var e lineage.Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	if e.PayloadType != lineage.ManifestPayloadType || len(e.Signatures) != 1 || e.Signatures[0].KeyID != lineage.KeyID(pub) || len(e.Signatures[0].KeyID) != 64 {
		t.Fatalf("envelope = %+v", e)
	}
	m, payload, err := lineage.VerifySignedManifest(env, manifest, pub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, manifest) || m.Dataset.Name != "toy" {
		t.Fatal("verified payload is not the manifest")
	}

	_, otherPub := keys(t)
	if _, _, err := lineage.VerifySignedManifest(env, manifest, otherPub); !errors.Is(err, lineage.ErrBadSignature) {
		t.Errorf("another key: %v, want ErrBadSignature", err)
	}
	edited := bytes.Replace(manifest, []byte(`"toy"`), []byte(`"toi"`), 1)
	if _, _, err := lineage.VerifySignedManifest(env, edited, pub); !errors.Is(err, lineage.ErrPayloadMismatch) {
		t.Errorf("edited manifest file: %v, want ErrPayloadMismatch", err)
	}
	// An envelope whose payload was swapped for other bytes: the signature
	// no longer verifies, and the payload is never parsed.
	e2 := e
	e2.Payload = base64.StdEncoding.EncodeToString([]byte("not even JSON"))
	swapped, _ := json.Marshal(e2)
	if _, _, err := lineage.VerifySignedManifest(swapped, nil, pub); !errors.Is(err, lineage.ErrBadSignature) {
		t.Errorf("swapped payload: %v, want ErrBadSignature", err)
	}
	// A valid signature with another payload type is refused.
	other, err := lineage.SignEnvelope("text/plain", manifest, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lineage.VerifySignedManifest(other, manifest, pub); !errors.Is(err, lineage.ErrInvalidEnvelope) || !strings.Contains(err.Error(), "payloadType") {
		t.Errorf("other payload type: %v", err)
	}
	// SignManifest refuses bytes that are not a manifest.
	if _, err := lineage.SignManifest([]byte("{}"), priv); !errors.Is(err, lineage.ErrInvalidManifest) {
		t.Errorf("signing a non-manifest: %v", err)
	}
}

func TestParseEnvelopeErrors(t *testing.T) {
	cases := []struct{ doc, field string }{
		{``, ""},
		{`{"payloadType": "x", "payload": "!!", "signatures": [{"keyid": "", "sig": ""}]}`, "payload"},
		{`{"payloadType": "x", "payload": "", "signatures": []}`, "signatures"},
		{`{"payloadType": "x", "payload": "", "signatures": [{"keyid": "", "sig": "%%"}]}`, "signatures[0].sig"},
		{`{"payloadType": 1, "payload": "", "signatures": []}`, "payloadType"},
		{`{"payloadType": "x", "payloadType": "y", "payload": "", "signatures": []}`, "payloadType"},
		{`{"payload": "", "signatures": [{"keyid": "", "sig": ""}]}`, "payloadType"},
		{`{"payloadType": "x", "payload": "", "signatures": [{"keyid": "", "sig": ""}], "extra": 1}`, "extra"},
	}
	for _, c := range cases {
		_, _, err := lineage.ParseEnvelope([]byte(c.doc))
		var fe *lineage.FormatError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, lineage.ErrInvalidEnvelope) {
			t.Errorf("%s: %v (field %q), want a FormatError on %q", c.doc, err, fieldOf(err), c.field)
		}
	}
}

func TestInTotoStatement(t *testing.T) {
	manifest := validManifest(t)
	m, _ := lineage.ParseManifest(manifest)
	st, err := lineage.InTotoStatement(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Type      string `json:"_type"`
		Subject   []lineage.Subject
		PredType  string `json:"predicateType"`
		Predicate lineage.Predicate
	}
	if err := json.Unmarshal(st, &s); err != nil {
		t.Fatal(err)
	}
	if s.Type != "https://in-toto.io/Statement/v1" || s.PredType != lineage.PredicateType {
		t.Errorf("type %q predicate type %q", s.Type, s.PredType)
	}
	if len(s.Subject) != 1 || s.Subject[0].Name != "toy" || s.Subject[0].Digest[lineage.DigestAlgorithm] != m.Root.String() {
		t.Errorf("subject = %+v", s.Subject)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, manifest); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Compact(&got, s.Predicate.Manifest); err != nil {
		t.Fatal(err)
	}
	if s.Predicate.ManifestDigest != lineage.ManifestDigest(manifest) || !bytes.Equal(got.Bytes(), compact.Bytes()) {
		t.Error("predicate does not carry the manifest and its digest")
	}
}

func FuzzParseEnvelope(f *testing.F) {
	priv, pub := keys(f)
	env, err := lineage.SignEnvelope(lineage.ManifestPayloadType, []byte(`{"format":"cairn.manifest/v1"}`), priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env)
	f.Add([]byte(`{"payloadType":"","payload":"","signatures":[{"keyid":"","sig":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, payload, err := lineage.ParseEnvelope(data)
		if err != nil {
			var fe *lineage.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		got, err := lineage.VerifyEnvelope(data, pub, lineage.ManifestPayloadType)
		if err == nil && !bytes.Equal(got, payload) {
			t.Fatal("verified payload differs from the parsed one")
		}
	})
}
