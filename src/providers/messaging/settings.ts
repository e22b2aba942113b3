// The link values of wasmcloud:messaging, as wasmCloud's NATS messaging provider names them:
// SUBSCRIPTION (comma-separated subjects; `subject|queue` puts that subscription in a queue
// group), URI (NATS servers), CLIENT_JWT + CLIENT_SEED. Pure: bad values fail at link-put time.
import { LinkError } from '../../core/errors.js';
import { linkValue } from '../link-values.js';
import { parseCredentials, parseServers, targetKey, type NatsTarget } from '../nats-connection.js';

export const KNOWN_KEYS = ['SUBSCRIPTION', 'URI', 'CLIENT_JWT', 'CLIENT_SEED'] as const;

export interface Subscription { subject: string; queue?: string }

export interface MessagingSettings {
  subscriptions: Subscription[];
  nats: NatsTarget;
}

// NATS subjects: dot-separated tokens without whitespace; `*` and `>` are wildcards (subscriptions only).
const TOKEN = /^[^\s.]+$/;

export function checkSubject(subject: string, forSubscription: boolean): string | undefined {
  if (subject === '') return 'it is empty';
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!TOKEN.test(t)) return t === '' ? 'it has an empty token (two dots, or a dot at an end)' : 'it contains whitespace';
    if (!forSubscription && (t === '*' || t === '>')) return `wildcard "${t}" cannot be published to`;
    if (forSubscription && t === '>' && i !== tokens.length - 1) return '">" may only be the last token';
  }
  return undefined;
}

export function parseSubscriptions(text: string | undefined): Subscription[] {
  const out: Subscription[] = [];
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const bar = part.indexOf('|');
    const subject = (bar < 0 ? part : part.slice(0, bar)).trim();
    const queue = bar < 0 ? undefined : part.slice(bar + 1).trim();
    const bad = checkSubject(subject, true);
    if (bad) {
      throw new LinkError(`messaging link value SUBSCRIPTION entry "${part}" is not a valid NATS subject: ${bad}`,
        'use comma-separated subjects, each optionally followed by |queue-group, e.g. SUBSCRIPTION=orders.*,jobs|workers');
    }
    if (queue !== undefined && !/^[^\s|,]+$/.test(queue)) {
      throw new LinkError(`messaging link value SUBSCRIPTION entry "${part}" has an empty or invalid queue group after "|"`,
        'write subject|queue-group with a queue group name without spaces, e.g. jobs|workers');
    }
    out.push(queue === undefined ? { subject } : { subject, queue });
  }
  return out;
}

export function parseMessagingSettings(values: Record<string, string> | undefined): MessagingSettings {
  const subscriptions = parseSubscriptions(linkValue(values, 'SUBSCRIPTION'));
  const servers = parseServers(linkValue(values, 'URI'), 'messaging link value URI');
  const creds = parseCredentials(linkValue(values, 'CLIENT_JWT'), linkValue(values, 'CLIENT_SEED'), ['CLIENT_JWT', 'CLIENT_SEED']);
  return { subscriptions, nats: { servers, ...creds } };
}

export function sameMessagingSettings(a: MessagingSettings, b: MessagingSettings): boolean {
  return targetKey(a.nats) === targetKey(b.nats)
    && a.subscriptions.length === b.subscriptions.length
    && a.subscriptions.every((s, i) => s.subject === b.subscriptions[i]!.subject && s.queue === b.subscriptions[i]!.queue);
}
