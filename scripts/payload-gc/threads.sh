#!/bin/bash
# per-thread CPU ticks of a process: (utime+stime ticks) of pid $1, sorted
for t in /proc/$1/task/*; do
  read -r line < $t/stat; name=$(cat $t/comm)
  set -- $(echo "$line" | sed 's/.*) //'); echo "$((${12}+${13})) $name $(basename $t)"
done | sort -rn | head -12
