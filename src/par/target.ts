// The target string of a provider binary, `{ARCH}-{OS}` as Rust's std::env::consts name them
// (reference §3.7): x86_64-linux, aarch64-linux, aarch64-macos, x86_64-windows... Pure.

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', arm: 'arm', riscv64: 'riscv64', s390x: 's390x', ppc64: 'powerpc64' };
const OS: Record<string, string> = { linux: 'linux', darwin: 'macos', win32: 'windows', freebsd: 'freebsd', openbsd: 'openbsd', netbsd: 'netbsd' };

/** This machine's target, e.g. `x86_64-linux`. */
export function hostTarget(arch: string = process.arch, platform: string = process.platform): string {
  return `${ARCH[arch] ?? arch}-${OS[platform] ?? platform}`;
}

/** wash's rule for `--arch`: `ARCH-OS`, lowercase words. */
export function isTarget(s: string): boolean {
  return /^[a-z0-9_]+-[a-z0-9_]+$/.test(s);
}
