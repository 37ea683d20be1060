// Package classify finds sensitive fields (personal data, secrets, regulated
// identifiers) in columns and free text, and de-identifies them.
//
// Detection. A Detector finds candidate matches of one or more entity types
// in a text; entity names follow Presidio's (EMAIL_ADDRESS, CREDIT_CARD,
// US_SSN, IBAN_CODE, ...). The built-in detectors (Builtin) validate what
// can be validated: Luhn and issuer ranges for cards, SSA rules for SSNs,
// mod-97 and country lengths for IBANs, Verhoeff for Aadhaar, mod-11 for
// NHS numbers, Base58Check and Bech32/Bech32m for Bitcoin addresses, the
// CRC32 checksum of GitHub tokens, the header of JWTs, and so on. Numeric
// identifiers share one pass that extracts digit groups; the others run a
// regular expression only in windows around cheap anchors (an '@', a dot
// between digits, a literal prefix), after a one-pass Features prefilter.
// Users add detectors by implementing Detector, or as regular-expression
// Rules read from YAML or JSON (ParseRules), in a Registry.
//
// Scanning. A Scanner runs a registry's detectors over a text and returns
// Findings with code-point offsets (end exclusive), scores adjusted by
// context words near the match (or in the column name), and overlaps
// resolved deterministically. Invalid UTF-8 is scanned (each bad byte is one
// code point), binary-looking text is skipped and reported, and texts
// longer than Options.MaxBytes are scanned in part and reported.
//
// Columns. A Classifier is fed Arrow record batches and reports, per leaf
// column (nested struct and list fields are walked; "contact.email",
// "phones[]"), the entity types found in a deterministic seeded sample of
// its non-null values, with the match fraction and a confidence built on
// the Wilson lower bound of that fraction, so a rare hit never labels a
// column. Column names hint types and are the only evidence used for
// PERSON, LOCATION, DATE_OF_BIRTH and credential columns (together with the
// shape of the values).
//
// De-identification. A Policy (ParsePolicy) maps columns and entity types
// to actions: drop, redact, mask, tokenize (a keyed BLAKE3 hash of the
// value normalised for its type, so joins still work), keep. A Redactor
// applies it to record batches and returns new batches.
package classify
