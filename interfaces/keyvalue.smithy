// wasmcloud:keyvalue — a key-value store provider (reference §2.4).
namespace org.wasmcloud.interface.keyvalue

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#I32
use org.wasmcloud.model#U32

/// Operations an actor may ask of a key-value store.
@wasmbus(
    contractId: "wasmcloud:keyvalue",
    providerReceive: true )
service KeyValue {
  version: "0.1.1",
  operations: [
    Increment, Contains, Del, Get,
    ListAdd, ListClear, ListDel, ListRange,
    Set, SetAdd, SetDel, SetIntersection, SetQuery, SetUnion, SetClear
  ]
}

/// A list of strings.
list StringList {
  member: String
}

/// Reads a key; `exists` tells a missing key from an empty value.
operation Get {
  input: String,
  output: GetResponse,
}

structure GetResponse {
  /// The value ("" if the key does not exist).
  @required
  value: String,
  /// Whether the key exists.
  @required
  exists: Boolean,
}

/// Stores a value.
operation Set {
  input: SetRequest,
}

structure SetRequest {
  @required
  key: String,
  @required
  value: String,
  /// Seconds until the key expires; 0 keeps it forever.
  // a missing or nil one harmlessly means "never" (Rust's serde default)
  @required
  @default(0)
  expires: U32,
}

/// Deletes a key; true if it existed.
operation Del {
  input: String,
  output: Boolean,
}

/// Adds to a numeric value and returns the new value.
operation Increment {
  input: IncrementRequest,
  output: I32,
}

structure IncrementRequest {
  @required
  key: String,
  /// Amount to add (may be negative).
  @required
  value: I32,
}

/// Whether a key exists.
operation Contains {
  input: String,
  output: Boolean,
}

/// Appends to a list; returns the new length.
operation ListAdd {
  input: ListAddRequest,
  output: U32,
}

structure ListAddRequest {
  @required
  listName: String,
  @required
  value: String,
}

/// Removes the first occurrence of a value; true if found.
operation ListDel {
  input: ListDelRequest,
  output: Boolean,
}

structure ListDelRequest {
  @required
  listName: String,
  @required
  value: String,
}

/// Deletes a list; true if it existed.
operation ListClear {
  input: String,
  output: Boolean,
}

/// Items from `start` to `stop`, both 0-based and inclusive.
operation ListRange {
  input: ListRangeRequest,
  output: StringList,
}

structure ListRangeRequest {
  @required
  listName: String,
  @required
  start: I32,
  @required
  stop: I32,
}

/// Adds a member to a set; returns the number added (1 or 0).
operation SetAdd {
  input: SetAddRequest,
  output: U32,
}

structure SetAddRequest {
  @required
  setName: String,
  @required
  value: String,
}

/// Removes a member from a set; returns the number removed (1 or 0).
operation SetDel {
  input: SetDelRequest,
  output: U32,
}

structure SetDelRequest {
  @required
  setName: String,
  @required
  value: String,
}

/// Members present in all the named sets.
operation SetIntersection {
  input: StringList,
  output: StringList,
}

/// All members of one set.
operation SetQuery {
  input: String,
  output: StringList,
}

/// Members present in any of the named sets.
operation SetUnion {
  input: StringList,
  output: StringList,
}

/// Deletes a set; true if it existed.
operation SetClear {
  input: String,
  output: Boolean,
}
