// Which annotations each running actor instance was started with. The host counts instances; the
// control interface tags them (wadm tags its instances with `wasmcloud.dev/appspec`), reports the
// tags in the inventory and in `actor_started`, stops only instances whose tags include the ones a
// stop names (OTP HEAD `actor_supervisor.ex terminate_actor`), and scales the instances of one set
// of tags. Pure: the book never starts or stops anything, it says what the count should become.

export type Annotations = Record<string, string>;

export interface InstanceGroup {
  annotations: Annotations;
  count: number;
}

/** Every pair of `wanted` is in `have` (the empty set is in everything). */
export function includesAll(have: Annotations, wanted: Annotations): boolean {
  return Object.entries(wanted).every(([k, v]) => Object.hasOwn(have, k) && have[k] === v);
}

function same(a: Annotations, b: Annotations): boolean {
  return Object.keys(a).length === Object.keys(b).length && includesAll(a, b);
}

function total(groups: InstanceGroup[]): number {
  return groups.reduce((n, g) => n + g.count, 0);
}

/** `groups` made to add up to `actual` (instances started or stopped without the book: untagged). */
export function reconcile(groups: InstanceGroup[], actual: number): InstanceGroup[] {
  const out = groups.map((g) => ({ annotations: g.annotations, count: g.count }));
  let diff = actual - total(out);
  if (diff > 0) return add(out, {}, diff);
  // fewer than the book says: take from untagged instances first, then from the newest groups
  const order = [...out.keys()].sort((a, b) => Number(Object.keys(out[a]!.annotations).length > 0) - Number(Object.keys(out[b]!.annotations).length > 0) || b - a);
  for (const i of order) {
    if (diff === 0) break;
    const take = Math.min(out[i]!.count, -diff);
    out[i]!.count -= take;
    diff += take;
  }
  return out.filter((g) => g.count > 0);
}

/** `count` more instances tagged `annotations`. */
export function add(groups: InstanceGroup[], annotations: Annotations, count: number): InstanceGroup[] {
  const out = groups.map((g) => ({ ...g }));
  const g = out.find((x) => same(x.annotations, annotations));
  if (g) g.count += count;
  else if (count > 0) out.push({ annotations: { ...annotations }, count });
  return out;
}

/** Stop `count` (0 = all) of the instances whose annotations include `wanted`. */
export function take(groups: InstanceGroup[], count: number, wanted: Annotations): { groups: InstanceGroup[]; stopped: number } {
  const out = groups.map((g) => ({ ...g }));
  let left = count === 0 ? Infinity : count;
  let stopped = 0;
  for (let i = out.length - 1; i >= 0 && left > 0; i--) {
    const g = out[i]!;
    if (!includesAll(g.annotations, wanted)) continue;
    const n = Math.min(g.count, left);
    g.count -= n;
    left -= n;
    stopped += n;
  }
  return { groups: out.filter((g) => g.count > 0), stopped };
}

/** The instances tagged exactly `annotations` become `count`; the others stay. */
export function scaleGroup(groups: InstanceGroup[], annotations: Annotations, count: number): InstanceGroup[] {
  const out = groups.filter((g) => !same(g.annotations, annotations)).map((g) => ({ ...g }));
  return count > 0 ? [...out, { annotations: { ...annotations }, count }] : out;
}

export function instanceCount(groups: InstanceGroup[]): number {
  return total(groups);
}

/** One annotations object per instance, oldest group first. */
export function expand(groups: InstanceGroup[]): Annotations[] {
  return groups.flatMap((g) => Array.from({ length: g.count }, () => g.annotations));
}

/** The book of one host: instance groups by actor, annotations by provider (id + link name). */
export class InstanceBook {
  private readonly actors = new Map<string, InstanceGroup[]>();
  private readonly providers = new Map<string, { annotations: Annotations; imageRef: string }>();
  /** Annotations for `actor_started` events still to come, by image reference. */
  private readonly pending = new Map<string, { annotations: Annotations; left: number }[]>();

  /** The groups of an actor, reconciled with the count the host reports. */
  groups(actorId: string, actual: number): InstanceGroup[] {
    const g = reconcile(this.actors.get(actorId) ?? [], actual);
    this.set(actorId, g);
    return g;
  }

  set(actorId: string, groups: InstanceGroup[]): void {
    if (groups.length === 0) this.actors.delete(actorId);
    else this.actors.set(actorId, groups);
  }

  /** `count` instances of the actor at `imageRef` are about to start with `annotations`. */
  expectStarts(imageRef: string, annotations: Annotations, count: number): void {
    if (Object.keys(annotations).length === 0 || count <= 0) return;
    const list = this.pending.get(imageRef) ?? [];
    list.push({ annotations, left: count });
    this.pending.set(imageRef, list);
  }

  /** Forget expected starts that did not happen (the start failed). */
  cancelStarts(imageRef: string, annotations: Annotations): void {
    this.endExpectation(imageRef, annotations);
  }

  /** Removes the expected starts of `imageRef` tagged `annotations`; returns how many were left. */
  private endExpectation(imageRef: string, annotations: Annotations): number {
    const list = this.pending.get(imageRef);
    const i = list ? list.findIndex((p) => same(p.annotations, annotations)) : -1;
    const left = i >= 0 ? list!.splice(i, 1)[0]!.left : 0;
    if (list?.length === 0) this.pending.delete(imageRef);
    return left;
  }

  /**
   * Annotations of the next instance of `imageRef` that starts (empty when none were expected); that
   * instance of `actorId` is booked with them now, so an inventory asked right after its
   * `actor_started` already shows them.
   */
  nextStart(imageRef: string, actorId: string): Annotations {
    const list = this.pending.get(imageRef);
    const p = list?.[0];
    if (!list || !p) return {};
    if (--p.left === 0) list.shift();
    if (list.length === 0) this.pending.delete(imageRef);
    this.set(actorId, add(this.actors.get(actorId) ?? [], p.annotations, 1));
    return p.annotations;
  }

  /**
   * A start of `count` instances of `imageRef` tagged `annotations` has returned: how many of them
   * no `actor_started` booked (nextStart), which the caller books; the expectation ends.
   */
  finishStarts(imageRef: string, annotations: Annotations, count: number): number {
    if (Object.keys(annotations).length === 0) return count; // never expected (expectStarts)
    return this.endExpectation(imageRef, annotations);
  }

  setProvider(id: string, linkName: string, imageRef: string, annotations: Annotations): void {
    this.providers.set(`${id}/${linkName}`, { imageRef, annotations });
  }

  provider(id: string, linkName: string): { annotations: Annotations; imageRef: string } | undefined {
    return this.providers.get(`${id}/${linkName}`);
  }

  forgetProvider(id: string, linkName: string): void {
    this.providers.delete(`${id}/${linkName}`);
  }
}
