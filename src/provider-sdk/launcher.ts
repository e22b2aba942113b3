// The text of a bundled provider's executable (bundle.ts): a Node script that unpacks its payload
// once into a cache folder named by the payload's hash, then imports the provider's entry from it.
//
// The script is written to work both as CommonJS and as an ES module (an extension-less file's
// kind depends on the nearest package.json where the host writes it): no top-level await, no
// require, only `import()`. The cache folder is the user's own (created 0700 and checked, as it
// sits in the shared temporary folder by default), so no other user can plant code in it.

export interface LauncherOptions {
  name: string;
  /** The entry module, a payload path (`app/provider.mjs`). */
  entry: string;
  /** sha256 of the gzipped payload, hex. */
  hash: string;
  payloadBase64: string;
}

export function launcherScript(o: LauncherOptions): string {
  return `#!/usr/bin/env node
// ${o.name.replace(/[\r\n]/g, ' ')}: a Stratus provider process, self-contained (made by stratus's provider SDK,
// src/provider-sdk/bundle.ts). PAYLOAD holds its modules and their npm packages (gzip; an index then
// the files); the first run unpacks them into $STRATUS_PROVIDER_CACHE (default: a folder of this
// user's in the temporary folder) under their hash, and every run imports ${JSON.stringify(o.entry)} from there.
const NAME = ${JSON.stringify(o.name)};
const ENTRY = ${JSON.stringify(o.entry)};
const HASH = ${JSON.stringify(o.hash)};
async function unpack() {
  const [fs, path, os, zlib, crypto] = await Promise.all(['node:fs', 'node:path', 'node:os', 'node:zlib', 'node:crypto'].map((m) => import(m)));
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const chosen = process.env.STRATUS_PROVIDER_CACHE;
  const base = chosen || path.join(os.tmpdir(), 'stratus-providers-' + (uid === undefined ? 'user' : uid));
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  // in the shared temporary folder, a link someone else planted is refused, not followed
  const st = chosen ? fs.statSync(base) : fs.lstatSync(base);
  if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) {
    throw new Error(base + ' is not a folder only this user can write (owner ' + st.uid + ', mode ' + (st.mode & 0o777).toString(8) + '); set STRATUS_PROVIDER_CACHE to one');
  }
  const dir = path.join(base, HASH);
  const done = path.join(dir, '.complete');
  if (!fs.existsSync(done)) {
    const gz = Buffer.from(PAYLOAD, 'base64');
    if (crypto.createHash('sha256').update(gz).digest('hex') !== HASH) throw new Error('its payload is damaged (hash mismatch); build and pack the provider again');
    const raw = zlib.gunzipSync(gz);
    const n = raw.readUInt32BE(0);
    const index = JSON.parse(raw.subarray(4, 4 + n).toString('utf8'));
    const tmp = dir + '.' + process.pid + '.tmp';
    fs.rmSync(tmp, { recursive: true, force: true });
    let at = 4 + n;
    for (const [p, size, mode] of index) {
      const parts = p.split('/');
      if (parts.some((s) => s === '' || s === '.' || s === '..')) throw new Error('its payload names a bad path: ' + p);
      const dst = path.join(tmp, ...parts);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.writeFileSync(dst, raw.subarray(at, at + size), { mode });
      at += size;
    }
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(done)) throw e; // otherwise another start unpacked it first
    }
  }
  return path.join(dir, ...ENTRY.split('/'));
}
unpack().then(
  (entry) => import('node:url').then((url) => import(url.pathToFileURL(entry).href)),
  (e) => {
    process.stderr.write('ERROR provider ' + NAME + ' could not unpack its code: ' + (e && e.message ? e.message : String(e)) + '\\n');
    process.exit(1);
  },
).catch((e) => {
  process.stderr.write('ERROR provider ' + NAME + ' failed to load: ' + (e && e.stack ? e.stack : String(e)) + '\\n');
  process.exit(1);
});
// last, so the code above reads first; a var is set before unpack() reads it (after its first await)
var PAYLOAD = ${JSON.stringify(o.payloadBase64)};
`;
}
