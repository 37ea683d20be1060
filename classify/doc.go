// Package classify finds sensitive fields (personal data, secrets, regulated
// identifiers) in columns and free text, and de-identifies them.
package classify
