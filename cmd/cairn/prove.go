package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
)

func init() {
	register(command{
		name:    "prove",
		usage:   "MANIFEST PATH [-o PROOF] [--key PUBKEY]",
		summary: "an inclusion proof that one object is in the dataset, checkable with only the root",
		run:     runProve,
	})
	register(command{
		name:    "verify-proof",
		usage:   "PROOF (--root ROOT | --manifest MANIFEST [--key PUBKEY]) [--file FILE]",
		summary: "check an inclusion proof against a dataset root (and that FILE is that object)",
		run:     runVerifyProof,
	})
}

func runProve(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "prove")
	out := fs.String("o", "", "write the proof to this `file` (default stdout)")
	keyFile := fs.String("key", "", "require the manifest to be signed by this public `key`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("want MANIFEST and PATH, got %d arguments", len(pos))
	}
	l, err := loadManifest(ctx, pos[0], *keyFile)
	if err != nil {
		return err
	}
	p, err := lineage.Prove(l.Manifest, pos[1])
	if err != nil {
		if errors.Is(err, lineage.ErrRootMismatch) {
			return failed("%s: %v", pos[0], err)
		}
		return err
	}
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(data)
		return err
	}
	return writeFileAtomic(*out, data, 0o644, true)
}

func runVerifyProof(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify-proof")
	rootHex := fs.String("root", "", "the trusted dataset `root` (64 hex digits)")
	manifest := fs.String("manifest", "", "take the root from this `manifest` (use --key to require its signature)")
	keyFile := fs.String("key", "", "public `key` that must have signed --manifest")
	file := fs.String("file", "", "also check that this local `file` is the proven object (same size and object root)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one PROOF, got %d arguments", len(pos))
	}
	if (*rootHex == "") == (*manifest == "") {
		return errors.New("give exactly one of --root ROOT and --manifest MANIFEST")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	p, err := lineage.ParseProof(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	var root merkle.Hash
	if *rootHex != "" {
		if root, err = merkle.ParseHash(*rootHex); err != nil {
			return fmt.Errorf("--root: %w", err)
		}
	} else {
		l, err := loadManifest(ctx, *manifest, *keyFile)
		if err != nil {
			return err
		}
		root = l.Manifest.Root
	}
	if err := p.Verify(root); err != nil {
		return failed("%s: %v", p.Entry.Path, err)
	}
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		got, err := merkle.HashObject(ctx, f, fi.Size(), p.Entry.Path, merkle.Options{Params: p.Tree.Params()})
		if err != nil {
			return err
		}
		if got.Size != p.Entry.Size || got.Root != p.Entry.Root || got.Plan != p.Entry.Plan {
			return failed("%s is not %s of the dataset: size %d, object root %s; the proof has size %d, object root %s",
				*file, p.Entry.Path, got.Size, got.Root, p.Entry.Size, p.Entry.Root)
		}
	}
	fmt.Fprintf(e.stdout, "OK: %s (%d bytes, object root %s) is entry %d of %d in dataset root %s\n",
		p.Entry.Path, p.Entry.Size, p.Entry.Root, p.Proof.Index, p.Proof.TreeSize, root)
	return nil
}
