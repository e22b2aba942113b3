// Invocations across hosts (see README.md in this folder).
export { rpcComponent, type RpcComponent } from './component.js';
