package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"

	"github.com/cairnml/cairn/lineage"
)

func init() {
	register(command{
		name:    "sign",
		usage:   "MANIFEST --key KEY [-o ENVELOPE] [--in-toto FILE]",
		summary: "sign a manifest's exact bytes (DSSE envelope, MANIFEST.dsse by default)",
		run:     runSign,
	})
}

func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sign")
	keyFile := fs.String("key", "", "ed25519 private `key` (from cairn keygen; required)")
	out := fs.String("o", "", "write the envelope to this `file` (default MANIFEST.dsse)")
	inToto := fs.String("in-toto", "", "also write a signed in-toto Statement v1 (DSSE) to this `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one MANIFEST, got %d arguments", len(pos))
	}
	if *keyFile == "" {
		return errors.New("--key KEY is required")
	}
	keyPEM, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	priv, err := lineage.ParsePrivateKey(keyPEM)
	if err != nil {
		return privateKeyErr("--key", *keyFile, err)
	}
	manifest, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	env, err := lineage.SignManifest(manifest, priv)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	dst := *out
	if dst == "" {
		dst = pos[0] + lineage.EnvelopeSuffix
	}
	if err := notAnInput("-o", dst, pos[0], *keyFile); err != nil {
		return err
	}
	if *inToto != "" {
		if err := notAnInput("--in-toto", *inToto, pos[0], *keyFile, dst); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(dst, env, 0o644, true); err != nil {
		return err
	}
	if *inToto != "" {
		st, err := lineage.InTotoStatement(manifest)
		if err != nil {
			return err
		}
		signed, err := lineage.SignEnvelope(lineage.InTotoPayloadType, st, priv)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(*inToto, signed, 0o644, true); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "signed %s with key %s: %s\n", pos[0], lineage.KeyID(priv.Public().(ed25519.PublicKey)), dst)
	return nil
}

// privateKeyErr is the usage error of a flag that takes a private key and
// was given keyFile, which failed to parse with err.
func privateKeyErr(flag, keyFile string, err error) error {
	if errors.Is(err, lineage.ErrKeyType) {
		return fmt.Errorf("%s %s is a public key: signing takes the private key (the file cairn keygen wrote without .pub)", flag, keyFile)
	}
	return fmt.Errorf("%s %s: %w", flag, keyFile, err)
}
