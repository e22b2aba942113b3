#!/bin/bash
# gcsum.sh <out>: MCs and scavenges on the main isolate between the markers; thread CPU delta
f=$1
main=$(grep -m1 -oE "^\[[0-9]+:0x[0-9a-f]+\]" $f)
awk '/MARK-START/{on=1} /MARK-END/{on=0} on' $f > $f.win
echo "main MC: $(grep -F "$main" $f.win | grep -c Mark-Compact)  main scavenge: $(grep -F "$main" $f.win | grep -c Scavenge)  other isolates GCs: $(grep -vF "$main" $f.win | grep -c 'ms: ')"
join -1 3 -2 3 <(sort -k3 $f.threads0) <(sort -k3 $f.threads) | awk '{print $4-$2, $1}' | sort -rn | head -8 | tr '\n' ';'; echo
