package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairnml/cairn/lineage"
)

func init() {
	register(command{
		name:    "keygen",
		usage:   "-o KEY [--force] [--tokenize]",
		summary: "make an ed25519 key pair: KEY (private, mode 0600) and KEY.pub; with --tokenize, a secret tokenization key for redact --key",
		run:     runKeygen,
	})
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, created with perm, synced and renamed into place. Unless
// overwrite, it fails if path exists.
func writeFileAtomic(path string, data []byte, perm os.FileMode, overwrite bool) (err error) {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory: name the file to write", path)
	case err == nil && !overwrite:
		return fmt.Errorf("%s already exists (use --force to replace it)", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(path), ".cairn-tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: directory %s does not exist", path, filepath.Dir(path))
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil { // umask-proof
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func runKeygen(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "keygen")
	out := fs.String("o", "", "write the private key to this `file` and the public key to FILE.pub (required)")
	force := fs.Bool("force", false, "replace existing key files")
	tokenize := fs.Bool("tokenize", false, "instead of a key pair, write to KEY a secret tokenization key for 'cairn redact --key' (32 random bytes as hex, mode 0600)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("unexpected arguments %q", pos)
	}
	if *out == "" {
		return errors.New("-o KEY is required")
	}
	if *tokenize {
		var k [32]byte
		if _, err := rand.Read(k[:]); err != nil {
			return err
		}
		if err := writeFileAtomic(*out, []byte(hex.EncodeToString(k[:])+"\n"), 0o600, *force); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s (tokenization key: keep it secret; reuse it so tokens join)\n", *out)
		return nil
	}
	priv, pub, err := lineage.GenerateKey()
	if err != nil {
		return err
	}
	if !*force {
		for _, p := range []string{*out, *out + ".pub"} {
			if _, err := os.Lstat(p); err == nil {
				return fmt.Errorf("%s already exists (use --force to replace it)", p)
			}
		}
	}
	if err := writeFileAtomic(*out, priv, 0o600, *force); err != nil {
		return err
	}
	if err := writeFileAtomic(*out+".pub", pub, 0o644, *force); err != nil {
		return err
	}
	pk, err := lineage.ParsePublicKey(pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (private) and %s.pub; key id %s\n", *out, *out, lineage.KeyID(pk))
	return nil
}
