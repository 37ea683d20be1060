package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cairnml/cairn/ingest"
)

// ReferenceFileFormat is the format id of a reference file.
const ReferenceFileFormat = "cairn.reference"

// ReferenceFile is what "cairn profile" writes and "cairn check
// --reference" reads: the drift profile of the trusted data (see
// ingest.Profile) and the check reference built from the same rows in the
// same pass. Either may be used on its own; the checks use Check.
type ReferenceFile struct {
	Profile *ingest.Profile
	Check   *Reference
}

// WriteTo writes the file: a JSON object with the format id and version
// first, then the profile and the reference, each in its own stable
// encoding, so the same input and seed give the same bytes.
func (f *ReferenceFile) WriteTo(w io.Writer) (int64, error) {
	if f.Profile == nil || f.Check == nil {
		return 0, errors.New("reference file: both the profile and the check reference are required")
	}
	p, err := ingest.MarshalProfile(f.Profile)
	if err != nil {
		return 0, err
	}
	var c bytes.Buffer
	if _, err := f.Check.WriteTo(&c); err != nil {
		return 0, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"format\":%q,\"version\":1,\n\"profile\":", ReferenceFileFormat)
	b.Write(bytes.TrimSpace(p))
	b.WriteString(",\n\"check\":")
	b.Write(bytes.TrimSpace(c.Bytes()))
	b.WriteString("}\n")
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// IsReferenceFile reports whether the start of a file looks like a
// reference file.
func IsReferenceFile(head []byte) bool {
	return bytes.Contains(head[:min(len(head), 64)], []byte(`"format":"`+ReferenceFileFormat+`"`))
}

// ReadReferenceFile reads what WriteTo wrote. An unknown version or a
// malformed part is an error wrapping ErrReference that names the part.
func ReadReferenceFile(r io.Reader) (*ReferenceFile, error) {
	var raw struct {
		Format  string          `json:"format"`
		Version int             `json:"version"`
		Profile json.RawMessage `json:"profile"`
		Check   json.RawMessage `json:"check"`
	}
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: reference file: %w", ErrReference, err)
	}
	if raw.Format != ReferenceFileFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrReference, raw.Format, ReferenceFileFormat)
	}
	if raw.Version != 1 {
		return nil, fmt.Errorf("%w: reference file version %d is not supported (this cairn reads version 1)", ErrReference, raw.Version)
	}
	if raw.Profile == nil || raw.Check == nil {
		return nil, fmt.Errorf("%w: reference file lacks its profile or its check reference", ErrReference)
	}
	p, err := ingest.UnmarshalProfile(raw.Profile)
	if err != nil {
		return nil, fmt.Errorf("%w: profile: %w", ErrReference, err)
	}
	c, err := ReadReference(bytes.NewReader(raw.Check))
	if err != nil {
		return nil, fmt.Errorf("check reference: %w", err)
	}
	return &ReferenceFile{Profile: p, Check: c}, nil
}
