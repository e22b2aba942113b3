// {{name}}: a capability provider for the contract {{capid}}.
// It runs as its own process: the host writes HostData on stdin, and the SDK connects to NATS,
// receives links, answers invocations and health checks, and exits when the host goes away.
import { defineProvider, runProvider } from '{{sdk}}';

const greetings = new Map(); // per linked actor: the `greeting` link value

runProvider(defineProvider({
  name: '{{name}}',
  contractId: '{{capid}}',
  linkValueKeys: ['greeting'],
  putLink(link) {
    greetings.set(link.actor_id, link.values.greeting ?? 'hello');
  },
  deleteLink(link) {
    greetings.delete(link.actor_id);
  },
  operations: {
    // payload: UTF-8 text; answer: "<greeting>, <text>" as UTF-8
    'Greeter.Greet': (req) => new TextEncoder().encode(`${greetings.get(req.actor)}, ${new TextDecoder().decode(req.payload)}`),
  },
  health: () => ({ healthy: true }),
}));
