// Where a bucket's keys live in Redis (README.md "Scoping"). Pure.
//
// Every key of a link is prefixed with its bucket, written with the bucket's UTF-8 length in
// front: `kv:<bytes>:<bucket>:<key>`, and `kv:0::<key>` for the default bucket. Reading the length
// first tells exactly where the bucket ends, so no key of one bucket can spell a key of another
// (with a plain `<bucket>:` prefix, bucket "a" + key "b:c" and bucket "a:b" + key "c" were the same
// Redis key, and a link without a bucket could write any bucket's keys by naming them).
//
// `raw_keys=true` opts out: the actor's keys are used as they are, as wasmCloud's kvredis
// provider stores them, so both can share data. Such a link sees the whole database (it can read
// and write the prefixed keys too), which is why it cannot be combined with a bucket.

export function bucketPrefix(bucket: string): string {
  return `kv:${Buffer.byteLength(bucket)}:${bucket}:`;
}

/** The prefix put in front of every key of a link: '' for raw keys. */
export function keyPrefix(bucket: string, rawKeys: boolean): string {
  return rawKeys ? '' : bucketPrefix(bucket);
}
