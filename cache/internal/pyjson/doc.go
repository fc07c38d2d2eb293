// Package pyjson reads and writes JSON as the Python fixie-creds service
// does, for the cache's record files and for the HTTP service and its
// client in cache/httpapi, so that each byte they write matches Python's
// and each text they accept means one thing only.
//
// # Writing
//
// [AppendString] escapes a string as Python's json.dumps does by default:
// pure ASCII, \uXXXX escapes (surrogate pairs beyond the BMP), '<', '>' and
// '&' left as they are. Callers write the objects around it themselves,
// compact and with sorted keys, as the Python service does.
//
// # Reading
//
// [DecodeObject] reads a JSON object strictly: valid UTF-8, each key once
// and spelled exactly, no unpaired UTF-16 surrogate escape in a key.
// [String] and [Bool] read its values with the same strictness: a string
// must be a string (not null), free of unpaired surrogate escapes.
// [ScanFlat] and [AppendUnquoted] read, in one pass and without
// allocating, the one shape every record file has (a flat object of
// ASCII strings), exactly as encoding/json reads it; anything else is
// left to encoding/json.
//
// # Example
//
//	body := pyjson.AppendString([]byte(`{"message":`), "User '名前' already registered")
//	body = append(body, '}')
//	// {"message":"User '\u540d\u524d' already registered"}
//
//	obj, err := pyjson.DecodeObject(body)
//	if err != nil {
//		return err
//	}
//	msg, err := pyjson.String(obj["message"])
package pyjson
