// Integer bounds of the msgpack wire types the key-value semantics share. Payloads themselves are
// decoded by the generated codecs (src/codec/interfaces/), which read through the bounded decoder
// of src/codec/msgpack-decoder.ts.
export const I32_MIN = -2147483648;
export const I32_MAX = 2147483647;
export const U32_MAX = 4294967295;
