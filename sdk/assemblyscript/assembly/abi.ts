// The wasmbus guest ABI (reference §1.2): the only imports an actor built with this SDK has.
// All arguments are (pointer, length) pairs into this module's exported memory.

@external("wasmbus", "__guest_request")
export declare function __guest_request(opPtr: usize, payloadPtr: usize): void;

@external("wasmbus", "__guest_response")
export declare function __guest_response(ptr: usize, len: usize): void;

@external("wasmbus", "__guest_error")
export declare function __guest_error(ptr: usize, len: usize): void;

@external("wasmbus", "__host_call")
export declare function __host_call(
  bindingPtr: usize, bindingLen: usize,
  namespacePtr: usize, namespaceLen: usize,
  operationPtr: usize, operationLen: usize,
  payloadPtr: usize, payloadLen: usize,
): i32;

@external("wasmbus", "__host_response_len")
export declare function __host_response_len(): usize;

@external("wasmbus", "__host_response")
export declare function __host_response(ptr: usize): void;

@external("wasmbus", "__host_error_len")
export declare function __host_error_len(): usize;

@external("wasmbus", "__host_error")
export declare function __host_error(ptr: usize): void;
