#!/bin/bash
# Where a megabyte echo's CPU goes on `stratus up` (docs/payload.md): starts `stratus up` with the
# echo example (the actor moves to worker threads on its first large call), posts SIZE-byte bodies
# from 4 concurrent clients (20 warm-up, then N), and prints per-thread CPU over the window and
# the host heap's collections (needs --trace-gc).
#   scripts/payload-gc/run.sh </absolute/out.txt> --trace-gc      (env: SIZE=1048576 N=100 REPO=<built checkout> LOGLEVEL=warn)
#   scripts/payload-gc/gcsum.sh <out.txt>
# gcsum prints "main MC / scavenge" (the host isolate's full and young collections in the window)
# and "ticks tid" per thread (10 ms ticks; the largest is usually the host thread or a busy worker:
# the host thread's tid equals the process id, V8's helper threads follow it).
HERE=$(cd "$(dirname "$0")" && pwd)
R=${REPO:-$(cd "$HERE/../.." && pwd)}; cd $R
W=${TMPDIR:-/tmp}/stratus-payload-gc; rm -rf $W; mkdir -p $W
SIZE=${SIZE:-1048576}
node --input-type=module -e "
import { compileProject, loadConfig } from './dist/src/toolchain/index.js';
import { signActorModule } from './dist/src/claims/sign.js';
import { writeFileSync } from 'node:fs';
const dir = 'examples/echo';
const wasm = (await compileProject(dir, loadConfig(dir))).wasm;
writeFileSync('$W/echo_s.wasm', signActorModule(wasm, { name: 'echo', caps: ['wasmcloud:httpserver'] }));
"
PORT=${PORT:-18731}
cat > $W/app.yaml <<Y
apiVersion: stratus.dev/v1
kind: Application
metadata: { name: payload }
spec:
  actors: [ { name: echo, path: $W/echo_s.wasm } ]
  providers: [ { name: httpserver } ]
  links:
    - { actor: echo, provider: httpserver, values: { address: "127.0.0.1:$PORT", timeout_ms: "60000" } }
Y
head -c $SIZE /dev/urandom > $W/body
printf 'wrk.method = "POST"\nlocal f = io.open("%s", "rb")\nwrk.body = f:read("*a")\nf:close()\n' $W/body > $W/post.lua
cd $W; : > $1
STRATUS_HOME=$W node "${@:2}" $R/bin/stratus.js up --manifest $W/app.yaml --log-level ${LOGLEVEL:-warn} --rpc-timeout 60000 >> $1 2>&1 &
PID=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$PORT/echo && break; sleep 0.2; done
node $HERE/client.mjs http://127.0.0.1:$PORT/echo 20 4 $W/body; echo MARK-START >> $1
$HERE/threads.sh $PID > $1.threads0
node $HERE/client.mjs http://127.0.0.1:$PORT/echo ${N:-100} 4 $W/body; echo MARK-END >> $1
$HERE/threads.sh $PID > $1.threads
kill -TERM $PID; wait $PID
