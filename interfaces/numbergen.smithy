// wasmcloud:builtin:numbergen — random numbers and GUIDs served by the host (reference §2.6).
namespace org.wasmcloud.interface.numbergen

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U32

/// Host-provided random numbers.
@wasmbus(
    contractId: "wasmcloud:builtin:numbergen",
    providerReceive: true )
service NumberGen {
  version: "0.1",
  operations: [ GenerateGuid, RandomInRange, Random32 ]
}

/// A v4 UUID, hyphenated lower case.
operation GenerateGuid {
  output: String,
}

/// A random number in [min, max], both inclusive.
operation RandomInRange {
  input: RangeLimit,
  output: U32,
}

/// A random 32-bit number.
operation Random32 {
  output: U32,
}

structure RangeLimit {
  @required
  min: U32,
  @required
  max: U32,
}
