package merkle

import (
	"errors"
	"fmt"
)

// checkThriftCompact walks one thrift compact-protocol struct in b without
// decoding it, and rejects input a decoder would trust too much: a list,
// set or map that claims more elements than bytes remain, nesting deeper
// than 64 levels, or an estimate of the decoded size far beyond the input.
// It exists so that a hostile Parquet footer cannot make the decoder
// allocate gigabytes.
func checkThriftCompact(b []byte) error {
	c := thriftChecker{b: b, budget: 32*int64(len(b)) + 4<<20}
	if err := c.structure(0); err != nil {
		return fmt.Errorf("footer is not valid thrift: %w at byte %d", err, c.i)
	}
	return nil
}

type thriftChecker struct {
	b      []byte
	i      int
	budget int64 // remaining estimated decoded bytes
}

var errThrift = errors.New("malformed thrift")

func (c *thriftChecker) byte1() (byte, error) {
	if c.i >= len(c.b) {
		return 0, fmt.Errorf("%w: truncated", errThrift)
	}
	c.i++
	return c.b[c.i-1], nil
}

func (c *thriftChecker) uvarint() (uint64, error) {
	var v uint64
	for s := 0; s < 64; s += 7 {
		b, err := c.byte1()
		if err != nil {
			return 0, err
		}
		v |= uint64(b&0x7f) << s
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: varint too long", errThrift)
}

func (c *thriftChecker) skip(n uint64) error {
	if n > uint64(len(c.b)-c.i) {
		return fmt.Errorf("%w: %d bytes declared, %d left", errThrift, n, len(c.b)-c.i)
	}
	c.i += int(n)
	return nil
}

func (c *thriftChecker) spend(n int64) error {
	c.budget -= n
	if c.budget < 0 {
		return fmt.Errorf("%w: declared sizes too large for the input", errThrift)
	}
	return nil
}

func (c *thriftChecker) structure(depth int) error {
	if depth > 64 {
		return fmt.Errorf("%w: nested too deeply", errThrift)
	}
	for {
		h, err := c.byte1()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if h>>4 == 0 { // long form: field id follows
			if _, err := c.uvarint(); err != nil {
				return err
			}
		}
		if err := c.value(h&0x0f, depth); err != nil {
			return err
		}
	}
}

func (c *thriftChecker) value(t byte, depth int) error {
	if err := c.spend(16); err != nil {
		return err
	}
	switch t {
	case 1, 2: // bool in a field header
		return nil
	case 3:
		return c.skip(1)
	case 4, 5, 6:
		_, err := c.uvarint()
		return err
	case 7:
		return c.skip(8)
	case 8:
		n, err := c.uvarint()
		if err != nil {
			return err
		}
		return c.skip(n)
	case 9, 10:
		h, err := c.byte1()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = c.uvarint(); err != nil {
				return err
			}
		}
		return c.elems(n, []byte{h & 0x0f}, depth)
	case 11:
		n, err := c.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := c.byte1()
		if err != nil {
			return err
		}
		return c.elems(n, []byte{kv >> 4, kv & 0x0f}, depth)
	case 12:
		if err := c.spend(256); err != nil {
			return err
		}
		return c.structure(depth + 1)
	case 13:
		return c.skip(16)
	}
	return fmt.Errorf("%w: unknown type %d", errThrift, t)
}

func (c *thriftChecker) elems(n uint64, types []byte, depth int) error {
	if n > uint64(len(c.b)-c.i) {
		return fmt.Errorf("%w: %d elements declared, %d bytes left", errThrift, n, len(c.b)-c.i)
	}
	for range n {
		for _, t := range types {
			if t == 1 || t == 2 { // bool element: one byte
				if err := c.skip(1); err != nil {
					return err
				}
				continue
			}
			if err := c.value(t, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
